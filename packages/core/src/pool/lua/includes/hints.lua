--[[
  What the provider said is left, one hash per instance (<root>:hints:<instance>), each hint with
  its own reset:
    "<what>:<unit>" -> remaining, "<what>:<unit>@" -> reset at (ms)
  what: req, tok, in (input tokens), out (output tokens); unit: m, d.
  A call needs 1 of a req hint and its estimated tokens of the others; every live hint must have
  room, so the tightest one decides. Calls reserved since a hint count against it.
]]
local function readHints(key, now)
  local flat = rcall('HGETALL', key)
  local fields = {}
  for i = 1, #flat, 2 do fields[flat[i]] = flat[i + 1] end
  local hints = {}
  for field, value in pairs(fields) do
    local what = string.match(field, '^(%a+):[md]$')
    local resetAt = tonumber(fields[field .. '@'] or '0')
    if what and resetAt > now then
      hints[#hints + 1] = { field = field, what = what, left = tonumber(value), resetAt = resetAt, used = 0 }
    end
  end
  return hints
end

local function hintNeed(hint, est)
  if hint.what == 'req' then return 1 end
  return est
end

-- When every hint has room for a call of `est` tokens (now when they all do).
local function hintsFreeAt(hints, est, now)
  local at = now
  for _, hint in ipairs(hints) do
    if hint.left - hint.used < hintNeed(hint, est) then at = math.max(at, hint.resetAt) end
  end
  return at
end

local function useHints(hints, est)
  for _, hint in ipairs(hints) do hint.used = hint.used + hintNeed(hint, est) end
end

local function writeHints(key, hints)
  for _, hint in ipairs(hints) do
    if hint.used > 0 then rcall('HINCRBY', key, hint.field, -hint.used) end
    hint.used = 0
  end
end
