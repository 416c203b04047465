--[[
  Reads the state of every instance for the pool view, in one consistent step.

  Input:
    KEYS[1] pool root
    ARGV[1] now (ms)
    ARGV[2] minute window (ms), ARGV[3] its guard (ms)
    ARGV[4] number of instances N, then N groups of 4 fields: id, type, model, providerId
  Output: per instance a flat list:
    { disabledPayload|false, disabledTtl, limitPayload|false, limitTtl, reqMinute, tokMinute, reqDay, tokDay,
      learnedRpm, learnedTpm, learnedRpd, learnedTpd }
]]
local root = KEYS[1]
local now = tonumber(ARGV[1])
setWindows(ARGV[2], ARGV[3])
local n = tonumber(ARGV[4])
local out = {}
for i = 0, n - 1 do
  local b = 4 + i * 4
  local id, ctype, model, providerId = ARGV[b + 1], ARGV[b + 2], ARGV[b + 3], ARGV[b + 4]
  local disabledKey = root .. ':disabled:' .. id
  -- The longest of the three scopes is the one that decides when the instance frees.
  local bestKey, bestTtl = false, 0
  for _, key in ipairs({ root .. ':limit:i:' .. id, root .. ':limit:m:' .. ctype .. ':' .. model,
                         root .. ':limit:c:' .. providerId }) do
    local ttl = limitTtl(key)
    if ttl > bestTtl then bestKey, bestTtl = key, ttl end
  end
  local _, nm, tm = trim(root, 'm', id, now)
  local _, nd, td = trim(root, 'd', id, now)
  local learned = rcall('HMGET', root .. ':learned:' .. id, 'rpm', 'tpm', 'rpd', 'tpd')
  local entry = {
    rcall('GET', disabledKey), limitTtl(disabledKey),
    bestKey and rcall('GET', bestKey) or false, bestTtl,
    tonumber(rcall('HGET', nm, '_sum') or '0'), tonumber(rcall('HGET', tm, '_sum') or '0'),
    tonumber(rcall('HGET', nd, '_sum') or '0'), tonumber(rcall('HGET', td, '_sum') or '0'),
    learned[1] or false, learned[2] or false, learned[3] or false, learned[4] or false,
  }
  out[#out + 1] = entry
end
return out
