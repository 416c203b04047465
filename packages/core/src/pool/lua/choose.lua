--[[
  Chooses an instance for one provider call and reserves it, atomically.

  Input:
    KEYS[1] pool root, e.g. "{spillway}:pool" (every key below is derived from it; same hash tag)
    ARGV[1] now (ms)
    ARGV[2] reservation id (unique per call)
    ARGV[3] estimated tokens of the call
    ARGV[4] minute window (ms), ARGV[5] its guard (ms)
    ARGV[6] number of candidates N, then N groups of 9 fields, in preference order:
            id, tier, type, model, providerId, rpm, tpm, rpd, tpd   (a limit of 0 = unknown)

  Output:
    {1, instanceId, headroom (0..1000)}   reserved on that instance
    {0, earliestFreeAt (ms, or -1 if no candidate can ever serve), blockedCount}

  Within the lowest tier that has an eligible instance, the one with the most headroom wins
  (the smallest fraction left of any known limit). Unknown limits leave headroom at 1.
]]
local root = KEYS[1]
local now = tonumber(ARGV[1])
local resId = ARGV[2]
local est = tonumber(ARGV[3])
setWindows(ARGV[4], ARGV[5])
local n = tonumber(ARGV[6])

-- How a window stands for a candidate: headroom fraction left after this call, when (if over) it
-- frees enough, and how many calls it holds. limitReq/limitTok of 0 means unknown: no constraint.
local function windowState(unit, id, limitReq, limitTok)
  local wkey, tkey = trim(root, unit, id, now, limitTok > 0)
  local headroom = 1
  local freeAt = now
  local count = rcall('ZCARD', wkey)
  if limitReq > 0 then
    if count + 1 > limitReq then
      local oldest = rcall('ZRANGE', wkey, count - limitReq, count - limitReq, 'WITHSCORES')
      freeAt = math.max(freeAt, tonumber(oldest[2]) + WINDOW[unit] + GUARD[unit] + 1)
      headroom = 0
    else
      headroom = math.min(headroom, (limitReq - count - 1) / limitReq)
    end
  end
  if limitTok > 0 then
    if est > limitTok then return -1, -1, count end -- can never fit this window
    local sum = tonumber(rcall('HGET', tkey, '_sum') or '0')
    if sum + est > limitTok then
      -- Walk the oldest reservations until enough tokens would have left the window.
      local entries = rcall('ZRANGE', wkey, 0, -1, 'WITHSCORES')
      local needed = sum + est - limitTok
      for i = 1, #entries, 2 do
        needed = needed - (tonumber(rcall('HGET', tkey, entries[i]) or '0'))
        if needed <= 0 then
          freeAt = math.max(freeAt, tonumber(entries[i + 1]) + WINDOW[unit] + GUARD[unit] + 1)
          break
        end
      end
      headroom = 0
    else
      headroom = math.min(headroom, (limitTok - sum - est) / limitTok)
    end
  end
  return headroom, freeAt, count
end

local function remainingFreeAt(id)
  local rem = rcall('HMGET', root .. ':rem:' .. id, 'req', 'reqAt', 'tok', 'tokAt')
  local freeAt = now
  local reqLeft, reqAt = tonumber(rem[1]), tonumber(rem[2])
  if reqLeft and reqAt and reqLeft < 1 and reqAt > now then freeAt = math.max(freeAt, reqAt) end
  local tokLeft, tokAt = tonumber(rem[3]), tonumber(rem[4])
  if tokLeft and tokAt and tokLeft < est and tokAt > now then freeAt = math.max(freeAt, tokAt) end
  return freeAt
end

local bestTier, bestId, bestHeadroom, bestUsed = nil, nil, -1, 0
local bestTokens, bestDayTokens, bestDayRead = false, false, false
local earliest = -1
local blocked = 0

for i = 0, n - 1 do
  local b = 6 + i * 9
  local id, tier = ARGV[b + 1], tonumber(ARGV[b + 2])
  local ctype, model, providerId = ARGV[b + 3], ARGV[b + 4], ARGV[b + 5]
  if bestTier ~= nil and tier > bestTier then break end

  if rcall('EXISTS', root .. ':disabled:' .. id) == 0 then
    local learned = rcall('HMGET', root .. ':learned:' .. id, 'rpm', 'tpm', 'rpd', 'tpd')
    local function lim(k, j)
      local v = tonumber(ARGV[b + k])
      if v > 0 then return v end
      return tonumber(learned[j]) or 0
    end
    local rpm, tpm, rpd, tpd = lim(6, 1), lim(7, 2), lim(8, 3), lim(9, 4)

    -- One EXISTS over the three scopes in the common case (no limit); their TTLs only when limited.
    local iKey = root .. ':limit:i:' .. id
    local mKey = root .. ':limit:m:' .. ctype .. ':' .. model
    local cKey = root .. ':limit:c:' .. providerId
    local limitedFor = 0
    if rcall('EXISTS', iKey, mKey, cKey) > 0 then
      limitedFor = math.max(limitTtl(iKey), limitTtl(mKey), limitTtl(cKey))
    end
    local freeAt = now + limitedFor
    -- The minute window counts calls always (it spreads load and teaches limits); tokens only
    -- where a token limit is known. The day window is read only where a daily limit is known;
    -- it is still written and trimmed for the chosen instance (usage, learning a daily limit).
    local hm, fm, used = windowState('m', id, rpm, tpm)
    local hd, fd = 1, now
    if rpd > 0 or tpd > 0 then hd, fd = windowState('d', id, rpd, tpd) end
    if hm >= 0 and hd >= 0 then
      freeAt = math.max(freeAt, fm, fd, remainingFreeAt(id))
      if freeAt <= now then
        local headroom = math.min(hm, hd)
        -- With unknown limits every headroom is 1: spread by fewest calls this minute instead.
        if headroom > bestHeadroom or (headroom == bestHeadroom and used < bestUsed) then
          bestTier, bestId, bestHeadroom, bestUsed = tier, id, headroom, used
          bestTokens, bestDayTokens, bestDayRead = tpm > 0, tpd > 0, rpd > 0 or tpd > 0
        end
      else
        blocked = blocked + 1
        if earliest < 0 or freeAt < earliest then earliest = freeAt end
      end
    end
  end
end

if bestId == nil then
  return { 0, earliest, blocked }
end

local function reserve(unit, withTokens)
  local wkey, tkey = windowKeys(root, unit, bestId)
  local ttl = WINDOW[unit] + GUARD[unit] + 60000
  rcall('ZADD', wkey, now, resId)
  rcall('PEXPIRE', wkey, ttl)
  if withTokens then
    rcall('HSET', tkey, resId, est)
    rcall('HINCRBY', tkey, '_sum', est)
    rcall('PEXPIRE', tkey, ttl)
  end
end
reserve('m', bestTokens)
if not bestDayRead then
  -- Not trimmed by windowState when no daily limit is known: keep the day window bounded here.
  rcall('ZREMRANGEBYSCORE', root .. ':w:d:' .. bestId, '-inf', now - WINDOW.d - GUARD.d)
end
reserve('d', bestDayTokens)
return { 1, bestId, math.floor(bestHeadroom * 1000) }
