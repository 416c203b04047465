--[[
  The keys of one instance, passed by the caller as KEYS in this order (all under the pool root,
  e.g. "{spillway}:pool", so one hash tag: Redis Cluster checks them itself):
     1 <root>:disabled:<instance>          quota/billing: disabled (string, PX)
     2 <root>:limit:i:<instance>           rate limited: this instance (string, PX = retry-after)
     3 <root>:limit:m:<type>:<model>       ... this model on every credential
     4 <root>:limit:c:<providerId>         ... this credential, every model
     5 <root>:limit:f:<providerId>         ... this credential's free (":free") models; for another
                                           model the caller passes key 4 again
     6 <root>:w:m:<instance>               minute window buckets (see windows.lua)
     7 <root>:w:d:<instance>               day window buckets
     8 <root>:limits:<instance>            stated limits (see stated-limits.lua)
     9 <root>:hints:<instance>             remaining hints (see hints.lua)
    10 <root>:inflight:<instance>          calls in flight: a concurrency cap's, and probes'
                                           (see in-flight.lua, probing.lua)
  `k` below is the index before the instance's first key.
]]
local KEYS_PER_INSTANCE = 10
local K_DISABLED, K_MINUTE, K_DAY, K_LIMITS, K_HINTS, K_INFLIGHT = 1, 6, 7, 8, 9, 10
local K_SCOPES = { 2, 3, 4, 5 }

-- Whether the instance is disabled, and else how long its longest limit key (of any scope) holds.
local function readInstance(k, now)
  local s = { k = k, disabledTtl = 0, disabled = false, limitedFor = 0, limitKey = nil }
  -- One EXISTS in the common case (nothing disabled or limited); the TTLs only when something is.
  if rcall('EXISTS', KEYS[k + K_DISABLED], KEYS[k + 2], KEYS[k + 3], KEYS[k + 4], KEYS[k + 5]) > 0 then
    s.disabledTtl = ttlOf(KEYS[k + K_DISABLED])
    s.disabled = s.disabledTtl > 0
    for _, i in ipairs(K_SCOPES) do
      local ttl = ttlOf(KEYS[k + i])
      if ttl > s.limitedFor then s.limitedFor, s.limitKey = ttl, KEYS[k + i] end
    end
  end
  s.stated = readStated(KEYS[k + K_LIMITS], now)
  s.windows = {}
  return s
end

-- The instance's window of `unit`, read once per script call.
local function windowOf(s, unit, now)
  local w = s.windows[unit]
  if not w then
    w = readWindow(KEYS[s.k + (unit == 'm' and K_MINUTE or K_DAY)], unit, now)
    s.windows[unit] = w
  end
  return w
end
