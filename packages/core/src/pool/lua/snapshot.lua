--[[
  Reads the state of every instance for the pool view, in one consistent step. Writes nothing.

  Input:
    KEYS    10 per instance, in ARGV's order (see includes/instance.lua)
    ARGV[1] minute window (ms), ARGV[2] its guard (ms)
    ARGV[3] number of instances N, then N groups of 6 fields: rpm, tpm, rpd, tpd (the instance's
            own figures, 0 = unknown), their source ("configured" | "catalog"), maxConcurrent
            (0 = no cap)
  Output: now (Redis time, ms), then per instance a list:
    { disabledPayload|false, disabledTtl, limitPayload|false, limitTtl,
      then for rpm, tpm, rpd, tpd: limit in force (0 = unknown), its source ("" = none),
      used in the window now, freesAt (ms, -1 = nothing counted), exhaustsAt (ms, -1 = not at
      this rate / not a day window),
      then calls in flight (live leases, see includes/in-flight.lua; -1 = no cap, not tracked) }
  freesAt is when the oldest usage counted now leaves the window (for a full window: when the
  next call fits). exhaustsAt is when the day's budget runs out at the rate of the last hour.
]]
--- @include "includes/time"
--- @include "includes/windows"
--- @include "includes/stated-limits"
--- @include "includes/instance"

local HOUR = 3600000
local now = redisNow()
setWindows(ARGV[1], ARGV[2])

-- Usage per ms over the buckets that started in the last hour, from the first one's start (at
-- least a minute: just after a bucket starts, its calls would read as a burst).
local function recentRate(w, what)
  local used, first = 0, nil
  local last = bucketOf(w.unit, now)
  local start = math.max(w.oldest or last, bucketOf(w.unit, now - HOUR))
  while start <= last do
    local amount = bucket(w, start, READ_AHEAD)[what]
    if amount > 0 then
      used = used + amount
      first = first or start
    end
    start = start + bucketMs(w.unit)
  end
  if not first then return 0 end
  return used / math.max(now - first, 60000)
end

local function windowView(w, what, used, limit)
  local frees = -1
  if used > 0 then
    local needed = (limit > 0 and used >= limit) and (used - limit + 1) or 1
    frees = freesAt(w, what, needed, now)
  end
  local exhaustsAt = -1
  if w.unit == 'd' and limit > 0 then
    if used >= limit then
      exhaustsAt = now
    else
      local rate = recentRate(w, what)
      if rate > 0 then exhaustsAt = now + math.ceil((limit - used) / rate) end
    end
  end
  return frees, exhaustsAt
end

local out = { now }
for i = 0, tonumber(ARGV[3]) - 1 do
  local a, k = 3 + i * 6, i * KEYS_PER_INSTANCE
  local s = readInstance(k, now)
  local row = {
    rcall('GET', KEYS[k + K_DISABLED]), s.disabledTtl,
    s.limitKey and rcall('GET', s.limitKey) or false, s.limitedFor,
  }
  for j, name in ipairs(LIMIT_NAMES) do
    local unit = string.sub(name, 3, 3)
    local w = windowOf(s, unit, now)
    local limit, source = inForce(tonumber(ARGV[a + j]), ARGV[a + 5], s.stated[name])
    local what, used = 'calls', w.count
    if string.sub(name, 1, 1) == 't' then what, used = 'tokens', w.sum end
    local frees, exhausts = windowView(w, what, used, limit)
    for _, v in ipairs({ limit, source, used, frees, exhausts }) do row[#row + 1] = v end
  end
  -- Counted, not pruned: this script writes nothing (the next choice drops lapsed leases).
  local inFlight = -1
  if tonumber(ARGV[a + 6]) > 0 then inFlight = rcall('ZCOUNT', KEYS[k + K_INFLIGHT], '(' .. now, '+inf') end
  row[#row + 1] = inFlight
  out[#out + 1] = row
end
return out
