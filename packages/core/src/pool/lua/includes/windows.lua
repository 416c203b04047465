--[[
  Minute and day windows as fixed sub-buckets with running totals, one hash per instance and window:
    "n", "s"                    calls and tokens of the buckets still in the window
    "o"                         start of the oldest bucket "n" and "s" still count
    "<bucket start ms>"         calls counted in that bucket
    "<bucket start ms>t"        their tokens
  A window of W ms has BUCKETS buckets of B = W / BUCKETS ms. A call made at t goes into the bucket
  starting at b = t - t % B and is counted until b + B + W + guard. The provider counts the call by
  t + guard and forgets it by t + guard + W, so we never free before it does; we free at most B
  later: conservative by at most one bucket (1/60 of the window: 1 s of a minute, 24 min of a day).

  Cost: reading a window is one HMGET of its totals; the buckets that have left since the last write
  are taken out of them (oldest first, from "o"), so each bucket is read once when it leaves. Only a
  full window reads its buckets, oldest first and a few at a time, to tell when it has room again.
  A hash holds at most (W + guard) / B + 2 live buckets (62 with these figures), whatever the
  traffic: a window of 1,000,000 calls costs what one of 10 does.
]]
local BUCKETS = 60
local WINDOW = { m = 60000, d = 86400000 }
local GUARD = { m = 750, d = 2000 }
-- Buckets read per HMGET when looking for the time a full window has room again.
local READ_AHEAD = 8

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

-- Reads one window's totals and takes out (in memory) the buckets that have left it; writeWindow
-- drops them from Redis. A hash idle for longer than its TTL is gone, so at most a window's worth
-- of buckets is ever walked here.
local function readWindow(key, unit, now)
  local h = rcall('HMGET', key, 'n', 's', 'o')
  local w = { key = key, unit = unit, count = tonumber(h[1]) or 0, sum = tonumber(h[2]) or 0,
              oldest = tonumber(h[3]), buckets = {}, changed = {}, gone = {} }
  if w.oldest == nil then return w end
  local left, start = {}, w.oldest
  while leavesAt(unit, start) <= now do
    left[#left + 1], left[#left + 2] = start, start .. 't'
    start = start + bucketMs(unit)
  end
  if #left > 0 then
    local values = rcall('HMGET', key, unpack(left))
    for i = 1, #left, 2 do
      w.count = w.count - (tonumber(values[i]) or 0)
      w.sum = w.sum - (tonumber(values[i + 1]) or 0)
    end
    w.gone, w.oldest = left, start
  end
  return w
end

-- Calls and tokens of the bucket starting at `start`, with this script's changes. Buckets are read
-- on first use; `ahead` more after it are read in the same HMGET (for an oldest-first walk).
local function bucket(w, start, ahead)
  local b = w.buckets[start]
  if b then return b end
  local fields = {}
  for i = 0, ahead or 0 do
    local s = start + i * bucketMs(w.unit)
    if w.buckets[s] == nil then fields[#fields + 1], fields[#fields + 2] = s, s .. 't' end
  end
  local values = rcall('HMGET', w.key, unpack(fields))
  for i = 1, #fields, 2 do
    local c = w.changed[fields[i]] or { calls = 0, tokens = 0 }
    w.buckets[fields[i]] = { calls = (tonumber(values[i]) or 0) + c.calls,
                             tokens = (tonumber(values[i + 1]) or 0) + c.tokens }
  end
  return w.buckets[start]
end

-- When enough leaves the window for `needed` more calls (what = 'calls') or tokens ('tokens').
local function freesAt(w, what, needed, now)
  local last = bucketOf(w.unit, now)
  local start = w.oldest or last
  while start <= last do
    needed = needed - bucket(w, start, READ_AHEAD)[what]
    if needed <= 0 then return leavesAt(w.unit, start) end
    start = start + bucketMs(w.unit)
  end
  return leavesAt(w.unit, last)
end

-- Adds calls and tokens (negative to take back) to the bucket starting at `start`, in memory;
-- writeWindow stores them. Adding needs no read of the bucket.
local function addTo(w, start, calls, tokens)
  local c = w.changed[start]
  if not c then
    c = { calls = 0, tokens = 0 }
    w.changed[start] = c
  end
  c.calls, c.tokens = c.calls + calls, c.tokens + tokens
  local b = w.buckets[start]
  if b then b.calls, b.tokens = b.calls + calls, b.tokens + tokens end
  w.count, w.sum = w.count + calls, w.sum + tokens
  if w.oldest == nil or start < w.oldest then w.oldest = start end
end

-- Counts a call (and its tokens) in the bucket of `now`.
local function addCall(w, now, tokens)
  addTo(w, bucketOf(w.unit, now), 1, tokens)
end

-- Takes one call (and up to `tokens` of its tokens) back out of the bucket starting at `start`.
-- False when that bucket has already left the window (or holds nothing): nothing to take back.
local function takeBack(w, start, tokens, now)
  if leavesAt(w.unit, start) <= now or (w.oldest ~= nil and start < w.oldest) then return false end
  local b = bucket(w, start)
  if b.calls <= 0 then return false end
  addTo(w, start, -1, -math.min(tokens, b.tokens))
  return true
end

-- Stores what this script changed: the buckets' counts, the totals, and drops the buckets gone.
local function writeWindow(w)
  if next(w.changed) == nil and #w.gone == 0 then return end
  for start, c in pairs(w.changed) do
    if c.calls ~= 0 then rcall('HINCRBY', w.key, start, c.calls) end
    if c.tokens ~= 0 then rcall('HINCRBY', w.key, start .. 't', c.tokens) end
  end
  if #w.gone > 0 then rcall('HDEL', w.key, unpack(w.gone)) end
  rcall('HSET', w.key, 'n', w.count, 's', w.sum, 'o', w.oldest)
  -- Only a new count extends the window's life; an idle one lapses with its last buckets.
  if next(w.changed) ~= nil then rcall('PEXPIRE', w.key, windowTtl(w.unit)) end
  w.changed, w.gone = {}, {}
end
