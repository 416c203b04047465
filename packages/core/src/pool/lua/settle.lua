--[[
  Settles finished calls (one or many: workers batch the settlements of calls that end together):
  moves each reservation to the moment its answer arrived, replaces its estimated tokens by the
  actual usage, and folds in what the provider said about its own counters. A provider counts a
  call somewhere between our send and its answer; dating the reservation at the answer means our
  window never frees before the provider's does, whatever the latency.

  Input:
    KEYS[1] pool root
    ARGV[1] call id (unique per script call: re-dated calls go to entries "<call id>@<instance id>")
    ARGV[2] number of settlements S, then S groups of variable length:
            now (ms, when the answer arrived), instance id, reservation id,
            actual tokens (-1 when the provider did not say),
            number of remaining hints H, then H groups of 5 fields:
            what ("req"|"tok"), window ("m"|"d"), limit (0 = not given), remaining, resetAt (ms, 0 = not given)

  Output: the number of settlements read
  Settlements of one instance in one call share the entry they move to, dated at the latest answer.
]]
local root = KEYS[1]
local callId = ARGV[1]
local count = tonumber(ARGV[2])
local at = 3

local function settleOne(now, id, resId, actual, h, b)
  local entry, reserved = parseReservation(resId)
  local moved = callId .. '@' .. id
  for _, unit in ipairs({ 'm', 'd' }) do
    local wkey, nkey, tkey = windowKeys(root, unit, id)
    -- Out of its reservation's entry (unless that has left the window already) into one dated
    -- at the answer, with the tokens it actually used where tokens are budgeted.
    local inWindow, hadTokens = false, false
    if entry then inWindow, hadTokens = takeOut(wkey, nkey, tkey, entry, reserved) end
    if inWindow then
      local latest = tonumber(rcall('ZSCORE', wkey, moved) or '0')
      rcall('ZADD', wkey, math.max(latest, now), moved)
      addToEntry(nkey, moved, 1)
      local ttl = WINDOW[unit] + GUARD[unit] + 60000
      rcall('PEXPIRE', wkey, ttl)
      rcall('PEXPIRE', nkey, ttl)
      if hadTokens then
        addToEntry(tkey, moved, actual >= 0 and actual or reserved)
        rcall('PEXPIRE', tkey, ttl)
      end
    end
  end

  local learnedKey = root .. ':learned:' .. id
  local remKey = root .. ':rem:' .. id
  for i = 0, h - 1 do
    local o = b + i * 5
    local what, unit = ARGV[o + 1], ARGV[o + 2]
    local limit, remaining, resetAt = tonumber(ARGV[o + 3]), tonumber(ARGV[o + 4]), tonumber(ARGV[o + 5])
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
end

for _ = 1, count do
  local now, id, resId = tonumber(ARGV[at]), ARGV[at + 1], ARGV[at + 2]
  local actual, h = tonumber(ARGV[at + 3]), tonumber(ARGV[at + 4])
  settleOne(now, id, resId, actual, h, at + 4)
  at = at + 5 + h * 5
end
return count
