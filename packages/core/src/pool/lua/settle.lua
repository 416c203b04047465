--[[
  Settles finished calls (one or many: workers batch the settlements of calls that end together):
  moves each call to the bucket of the moment its answer arrived, with the tokens it actually
  used, gives back its slot if it held one (raising a probed instance's known-good count, see
  includes/probing.lua), and folds in what the provider said about its own counters. A provider counts a call
  somewhere between our send and its answer; dating it at the answer means our window never
  frees before the provider's does, whatever the latency.

  Input:
    KEYS    5 per settlement: minute buckets, day buckets, stated limits, hints, calls in flight
            of its instance (<root>:w:m:<id>, <root>:w:d:<id>, <root>:limits:<id>,
            <root>:hints:<id>, <root>:inflight:<id>)
    ARGV[1] minute window (ms), ARGV[2] its guard (ms)
    ARGV[3] number of settlements S, then S groups of variable length:
            reservation id, actual tokens (-1 when the provider did not say),
            number of reports H, then H groups of 5 fields:
            what ("req"|"tok"|"in"|"out"), window ("m"|"d"), limit (0 = not stated), remaining,
            reset in (ms from now, 0 = not stated)
  Output: the number of settlements read
]]
--- @include "includes/time"
--- @include "includes/windows"
--- @include "includes/reservation"
--- @include "includes/stated-limits"
--- @include "includes/probing"
--- @include "includes/in-flight"

local now = redisNow()
setWindows(ARGV[1], ARGV[2])

-- The provider's limit for a report, where it names one of ours (input/output tokens do not).
local LIMIT_NAME = { req = 'rp', tok = 'tp' }

local function foldReport(limitsKey, hintsKey, what, unit, limit, remaining, resetMs)
  if limit > 0 and LIMIT_NAME[what] then
    local name = LIMIT_NAME[what] .. unit
    rcall('HSET', limitsKey, name .. ':h', limit, name .. ':h@', now + HEADER_TTL)
    rcall('PEXPIRE', limitsKey, math.max(ttlOf(limitsKey), HEADER_TTL))
  end
  if resetMs <= 0 then return end
  -- The tightest live hint stands: a later answer may report an older, larger count.
  local field = what .. ':' .. unit
  local held = rcall('HMGET', hintsKey, field, field .. '@')
  local heldLeft, heldAt = tonumber(held[1]), tonumber(held[2] or '0')
  if heldAt <= now or heldLeft == nil or remaining <= heldLeft then
    rcall('HSET', hintsKey, field, remaining, field .. '@', now + resetMs)
    rcall('PEXPIRE', hintsKey, math.max(ttlOf(hintsKey), resetMs))
  end
end

-- Windows by key, read once: the settlements of one instance are summed and written once.
local windows, order = {}, {}
local function window(key, unit)
  local w = windows[key]
  if not w then
    w = readWindow(key, unit, now)
    windows[key], order[#order + 1] = w, w
  end
  return w
end

-- Out of its reservation's bucket (unless that has left the window) into the answer's.
local function redate(w, start, reserved, tokens)
  if takeBack(w, start, reserved, now) then addCall(w, now, tokens) end
end

local at, k = 4, 0
for _ = 1, tonumber(ARGV[3]) do
  local resId, actual, h = ARGV[at], tonumber(ARGV[at + 1]), tonumber(ARGV[at + 2])
  local m, d, reserved, lease = parseReservation(resId)
  if m then
    local tokens = actual >= 0 and actual or reserved
    redate(window(KEYS[k + 1], 'm'), m, reserved, tokens)
    redate(window(KEYS[k + 2], 'd'), d, reserved, tokens)
  end
  giveBackSlot(KEYS[k + 5], resId)
  if m and lease then noteAccepted(KEYS[k + 3], KEYS[k + 5], window(KEYS[k + 1], 'm').count, now) end
  for i = 0, h - 1 do
    local o = at + 2 + i * 5
    foldReport(KEYS[k + 3], KEYS[k + 4], ARGV[o + 1], ARGV[o + 2], tonumber(ARGV[o + 3]),
      tonumber(ARGV[o + 4]), tonumber(ARGV[o + 5]))
  end
  at, k = at + 3 + h * 5, k + 5
end
for _, w in ipairs(order) do writeWindow(w) end
writeKnownGood(now)
return tonumber(ARGV[3])
