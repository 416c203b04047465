--[[
  Minute and day windows as fixed sub-buckets, one hash per instance and window:
    field "<bucket start ms>"   -> calls reserved in that bucket
    field "<bucket start ms>t"  -> their tokens
  A window of W ms has BUCKETS buckets of B = W / BUCKETS ms. A call made at t goes into the bucket
  starting at b = t - t % B and is counted until b + B + W + guard. The provider counts the call by
  t + guard and forgets it by t + guard + W, so we never free before it does; we free at most B
  later: conservative by at most one bucket (1/60 of the window: 1 s of a minute, 24 min of a day).
  A hash holds at most (W + guard) / B + 2 live buckets (62 with these figures), whatever the
  traffic, and reading it costs the same for 10 calls as for 1,000,000.
]]
local BUCKETS = 60
local WINDOW = { m = 60000, d = 86400000 }
local GUARD = { m = 750, d = 2000 }

-- Tests shorten the "minute" to run one in a few seconds; the algorithm is unchanged.
local function setWindows(minuteMs, guardMs)
  WINDOW.m = tonumber(minuteMs)
  GUARD.m = tonumber(guardMs)
end

local function bucketMs(unit)
  return math.max(1, math.floor(WINDOW[unit] / BUCKETS))
end

local function bucketOf(unit, t)
  return t - t % bucketMs(unit)
end

-- When the calls of the bucket starting at `start` stop counting.
local function leavesAt(unit, start)
  return start + bucketMs(unit) + WINDOW[unit] + GUARD[unit]
end

local function windowTtl(unit)
  return WINDOW[unit] + GUARD[unit] + 2 * bucketMs(unit)
end

-- Reads one window: its live buckets oldest first, per bucket calls and tokens, their sums, and
-- the fields of buckets that have left (for the writer to drop).
local function readWindow(key, unit, now)
  local flat = rcall('HGETALL', key)
  local w = { key = key, unit = unit, starts = {}, calls = {}, tokens = {}, count = 0, sum = 0,
              expired = {}, addCalls = 0, addTokens = 0 }
  for i = 1, #flat, 2 do
    -- "<start>" or "<start>t" (116 is "t"): cheaper than a pattern, on every field of every read.
    local field = flat[i]
    local isTokens = string.byte(field, -1) == 116
    local start = tonumber(isTokens and string.sub(field, 1, -2) or field)
    local value = tonumber(flat[i + 1]) or 0
    if start then
      if leavesAt(unit, start) <= now then
        w.expired[#w.expired + 1] = field
      else
        if w.calls[start] == nil then
          w.calls[start], w.tokens[start] = 0, 0
          w.starts[#w.starts + 1] = start
        end
        if isTokens then
          w.tokens[start] = value
          w.sum = w.sum + value
        else
          w.calls[start] = value
          w.count = w.count + value
        end
      end
    end
  end
  table.sort(w.starts)
  return w
end

-- When enough leaves the window for `needed` more of `amounts` (w.calls or w.tokens): oldest first.
local function freesAt(w, amounts, needed)
  for _, start in ipairs(w.starts) do
    needed = needed - amounts[start]
    if needed <= 0 then return leavesAt(w.unit, start) end
  end
  return leavesAt(w.unit, w.starts[#w.starts] or 0)
end

-- Counts a call (and its tokens) in the window, in memory; writeWindow stores it.
local function addCall(w, now, tokens)
  local start = bucketOf(w.unit, now)
  if w.calls[start] == nil then
    w.calls[start], w.tokens[start] = 0, 0
    w.starts[#w.starts + 1] = start
  end
  w.calls[start] = w.calls[start] + 1
  w.tokens[start] = w.tokens[start] + tokens
  w.count, w.sum = w.count + 1, w.sum + tokens
  w.addCalls, w.addTokens = w.addCalls + 1, w.addTokens + tokens
end

-- Stores what addCall counted, into the current bucket, and drops the buckets that have left.
local function writeWindow(w, now)
  if w.addCalls == 0 then return end
  local start = bucketOf(w.unit, now)
  rcall('HINCRBY', w.key, start, w.addCalls)
  if w.addTokens ~= 0 then rcall('HINCRBY', w.key, start .. 't', w.addTokens) end
  if #w.expired > 0 then rcall('HDEL', w.key, unpack(w.expired)) end
  rcall('PEXPIRE', w.key, windowTtl(w.unit))
  w.addCalls, w.addTokens, w.expired = 0, 0, {}
end

-- Takes one call (and its tokens) back out of the bucket starting at `start`. False when that
-- bucket has already left the window (or holds nothing): there is nothing to take back.
local function takeBack(key, unit, start, tokens, now)
  if leavesAt(unit, start) <= now then return false end
  local calls = tonumber(rcall('HGET', key, start) or '0')
  if calls <= 0 then return false end
  if calls == 1 then
    rcall('HDEL', key, start, start .. 't')
  else
    rcall('HINCRBY', key, start, -1)
    local left = tonumber(rcall('HGET', key, start .. 't') or '0')
    rcall('HSET', key, start .. 't', math.max(0, left - tokens))
  end
  return true
end

-- Counts one call directly into the bucket of `now` (settle re-dates a call this way).
local function putCall(key, unit, now, tokens)
  local start = bucketOf(unit, now)
  rcall('HINCRBY', key, start, 1)
  if tokens ~= 0 then rcall('HINCRBY', key, start .. 't', tokens) end
  rcall('PEXPIRE', key, windowTtl(unit))
end
