--[[
  The one clock: every pool script dates what it does with Redis's own time, never the caller's,
  so workers whose clocks disagree still share one window.
]]
local rcall = redis.call

local function redisNow()
  local t = rcall('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- The remaining ms of a key's TTL, 0 when it has none or is gone.
local function ttlOf(key)
  local ttl = rcall('PTTL', key)
  if ttl and ttl > 0 then return ttl end
  return 0
end
