--[[
  Settles a finished call: moves the reservation to the moment the answer arrived, replaces its
  estimated tokens by the actual usage, and folds in what the provider said about its own counters.
  A provider counts a call somewhere between our send and its answer; dating the reservation at
  the answer means our window never frees before the provider's does, whatever the latency.

  Input:
    KEYS[1] pool root
    ARGV[1] now (ms)
    ARGV[2] instance id
    ARGV[3] reservation id
    ARGV[4] actual tokens (-1 when the provider did not say)
    ARGV[5] number of remaining hints H, then H groups of 5 fields:
            what ("req"|"tok"), window ("m"|"d"), limit (0 = not given), remaining, resetAt (ms, 0 = not given)

  Output: 1
]]
local root = KEYS[1]
local now = tonumber(ARGV[1])
local id = ARGV[2]
local resId = ARGV[3]
local actual = tonumber(ARGV[4])

for _, unit in ipairs({ 'm', 'd' }) do
  local wkey, tkey = windowKeys(root, unit, id)
  rcall('ZADD', wkey, 'XX', now, resId)
  if actual >= 0 then
    local reserved = tonumber(rcall('HGET', tkey, resId))
    if reserved then
      rcall('HSET', tkey, resId, actual)
      rcall('HINCRBY', tkey, '_sum', actual - reserved)
    end
  end
end

local h = tonumber(ARGV[5])
local learnedKey = root .. ':learned:' .. id
local remKey = root .. ':rem:' .. id
for i = 0, h - 1 do
  local b = 5 + i * 5
  local what, unit = ARGV[b + 1], ARGV[b + 2]
  local limit, remaining, resetAt = tonumber(ARGV[b + 3]), tonumber(ARGV[b + 4]), tonumber(ARGV[b + 5])
  if limit > 0 then
    local field = (what == 'req' and 'rp' or 'tp') .. unit
    rcall('HSET', learnedKey, field, limit)
  end
  -- Only the tightest hint matters for the choice: remember it until its reset passes.
  if resetAt > now then
    rcall('HSET', remKey, what, remaining, what .. 'At', resetAt)
    rcall('PEXPIRE', remKey, math.max(resetAt - now, 1000))
  end
end
if h > 0 then rcall('PEXPIRE', learnedKey, 7 * 86400000) end
return 1
