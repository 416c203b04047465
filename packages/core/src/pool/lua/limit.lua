--[[
  Records a rate-limit answer: sets the limit key of the scope the provider named, never
  shortening a longer limit already there; learns the window's request limit when it was unknown
  (the calls we had in that window when the provider refused); and drops the refused call's
  reservation, since the provider did not count it.

  Input:
    KEYS[1] pool root
    ARGV[1] now (ms)
    ARGV[2] limit key suffix, e.g. "i:groq-main/llama-3.1-8b-instant", "m:groq:llama-3.1-8b-instant", "c:groq-main"
    ARGV[3] retry after (ms, > 0)
    ARGV[4] reason payload (JSON: reason, window, until) shown by the pool view
    ARGV[5] instance id
    ARGV[6] reservation id ("" for none)
    ARGV[7] window to learn: "m", "d" or "" (unknown: learn nothing)
    ARGV[8] the instance's configured request limit for that window (0 = unknown: learn it)
    ARGV[9] minute window (ms), ARGV[10] its guard (ms)

  Output: the limit's remaining ms after the call (the longer of old and new)
]]
local root = KEYS[1]
local now = tonumber(ARGV[1])
local key = root .. ':limit:' .. ARGV[2]
local ttl = tonumber(ARGV[3])
local id = ARGV[5]
local resId = ARGV[6]
local unit = ARGV[7]
setWindows(ARGV[9], ARGV[10])

local existing = limitTtl(key)
if ttl > existing then
  rcall('SET', key, ARGV[4], 'PX', ttl)
  existing = ttl
end

if resId ~= '' then dropReservation(root, id, resId) end

if unit ~= '' and tonumber(ARGV[8]) == 0 then
  local _, nkey = trim(root, unit, id, now)
  local seen = tonumber(rcall('HGET', nkey, '_sum') or '0')
  if seen > 0 then
    local field = 'rp' .. unit
    local learnedKey = root .. ':learned:' .. id
    local known = tonumber(rcall('HGET', learnedKey, field))
    -- Learn the smallest count that was refused; never raise a learned limit on a later 429.
    if not known or seen < known then rcall('HSET', learnedKey, field, seen) end
    rcall('PEXPIRE', learnedKey, 7 * 86400000)
  end
end
return existing
