--[[
  Chooses an instance for each of a batch of provider calls and reserves it, atomically. A worker
  sends the calls that want a slot in the same turn of its event loop together; the answer is the
  same as if each call had run this script alone, in order (each sees the reservations before it).

  Input:
    KEYS[1] pool root, e.g. "{spillway}:pool" (every key below is derived from it; same hash tag)
    ARGV[1] now (ms)
    ARGV[2] minute window (ms), ARGV[3] its guard (ms)
    ARGV[4] call id (unique per script call: entries are named "<call id>@<instance id>")
    ARGV[5] number of groups G, then G groups (calls that share one candidate list), each:
            number of candidates N, then N groups of 9 fields, in preference order:
              id, tier, type, model, providerId, rpm, tpm, rpd, tpd   (a limit of 0 = unknown)
            number of calls R, then R estimated token counts

  Output: four values per call, in input order:
    1, instanceId, headroom (0..1000), tokensTracked (1 when a window of it budgets tokens)
    0, earliestFreeAt (ms, or -1 if no candidate can ever serve; a disabled one serves again
       when its disable expires), blockedCount, 0
  A call reserved on instance X holds reservation "<call id>@X#<its estimated tokens>".

  Within the lowest tier that has an eligible instance, the one with the most headroom wins
  (the smallest fraction left of any known limit). Unknown limits leave headroom at 1.

  Probing: while a candidate of the list in the same or a more preferred tier is rate limited for
  a minute or less (limits are being hit right now), an instance with no known limit takes at
  most PROBE_CALLS calls per PROBE_MS from that list. Without it a burst of jobs moving off the
  limited instances lands on the unknown ones all at once, and every call beyond their limit is
  refused before the first refusal teaches it. The calls sent while probing are remembered in
  <root>:probe:<instance> (a zset of calls by send time); nothing is written while no limit is hit.

  What does not change within one call of the script (disabled, limit keys, learned limits,
  provider-reported remaining, the trimmed window sizes) is read once per instance; the calls
  reserved are counted in memory as they are chosen (a later call in the batch sees them) and
  written once per instance and window at the end, as one entry.
]]
local root = KEYS[1]
local now = tonumber(ARGV[1])
setWindows(ARGV[2], ARGV[3])
local callId = ARGV[4]
local groups = tonumber(ARGV[5])

-- Per instance, read on first use: { blocked = true } when disabled, else the limit-key wait,
-- learned limits and remaining hints; and per window unit the live count and token sum.
local seen = {}
-- The windows reserved in by this call, written at the end (see writeEntries).
local touched = {}

local function instanceState(id, ctype, model, providerId)
  local s = seen[id]
  if s then return s end
  local disabledFor = rcall('PTTL', root .. ':disabled:' .. id)
  if disabledFor ~= -2 then
    -- A disable expires (quota resets): its TTL is when the instance can serve again (-1: never).
    s = { disabled = true, disabledFor = disabledFor }
    seen[id] = s
    return s
  end
  s = { windows = {} }
  s.learned = rcall('HMGET', root .. ':learned:' .. id, 'rpm', 'tpm', 'rpd', 'tpd')
  -- One EXISTS over the three scopes in the common case (no limit); their TTLs only when limited.
  local iKey = root .. ':limit:i:' .. id
  local mKey = root .. ':limit:m:' .. ctype .. ':' .. model
  local cKey = root .. ':limit:c:' .. providerId
  s.limitedFor = 0
  if rcall('EXISTS', iKey, mKey, cKey) > 0 then
    s.limitedFor = math.max(limitTtl(iKey), limitTtl(mKey), limitTtl(cKey))
  end
  s.rem = rcall('HMGET', root .. ':rem:' .. id, 'req', 'reqAt', 'tok', 'tokAt')
  seen[id] = s
  return s
end

-- The live calls and token sum of a window, trimmed once per script call. `calls`/`tokens` are
-- what this call reserved there so far (not written yet).
local function windowOf(s, unit, id)
  local w = s.windows[unit]
  if w then return w end
  local wkey, nkey, tkey = trim(root, unit, id, now)
  w = {
    unit = unit, wkey = wkey, nkey = nkey, tkey = tkey, entry = callId .. '@' .. id,
    count = tonumber(rcall('HGET', nkey, '_sum') or '0'),
    sum = tonumber(rcall('HGET', tkey, '_sum') or '0'),
    calls = 0, tokens = 0, withTokens = false,
  }
  s.windows[unit] = w
  return w
end

-- When enough of the window has left for `needed` more (calls, or tokens from `key`): walks the
-- entries oldest first. What this call reserved itself is dated now, so it leaves last.
local function freesAt(w, unit, key, needed)
  local entries = rcall('ZRANGE', w.wkey, 0, -1, 'WITHSCORES')
  if #entries > 0 then
    local names = {}
    for i = 1, #entries, 2 do names[#names + 1] = entries[i] end
    local amounts = rcall('HMGET', key, unpack(names))
    for i = 1, #names do
      needed = needed - (tonumber(amounts[i]) or 0)
      if needed <= 0 then return tonumber(entries[i * 2]) + WINDOW[unit] + GUARD[unit] + 1 end
    end
  end
  return now + WINDOW[unit] + GUARD[unit] + 1
end

-- How a window stands for one call: headroom fraction left after it, when (if over) it frees
-- enough, and how many calls it holds. limitReq/limitTok of 0 means unknown: no constraint.
local function windowState(s, unit, id, limitReq, limitTok, est)
  local w = windowOf(s, unit, id)
  local headroom = 1
  local freeAt = now
  local count = w.count
  if limitReq > 0 then
    if count + 1 > limitReq then
      freeAt = math.max(freeAt, freesAt(w, unit, w.nkey, count + 1 - limitReq))
      headroom = 0
    else
      headroom = math.min(headroom, (limitReq - count - 1) / limitReq)
    end
  end
  if limitTok > 0 then
    if est > limitTok then return -1, -1, count end -- can never fit this window
    if w.sum + est > limitTok then
      freeAt = math.max(freeAt, freesAt(w, unit, w.tkey, w.sum + est - limitTok))
      headroom = 0
    else
      headroom = math.min(headroom, (limitTok - w.sum - est) / limitTok)
    end
  end
  return headroom, freeAt, count
end

local function remainingFreeAt(s, est)
  local rem = s.rem
  local freeAt = now
  local reqLeft, reqAt = tonumber(rem[1]), tonumber(rem[2])
  if reqLeft and reqAt and reqLeft < 1 and reqAt > now then freeAt = math.max(freeAt, reqAt) end
  local tokLeft, tokAt = tonumber(rem[3]), tonumber(rem[4])
  if tokLeft and tokAt and tokLeft < est and tokAt > now then freeAt = math.max(freeAt, tokAt) end
  return freeAt
end

local function reserve(s, unit, id, est, withTokens)
  local w = windowOf(s, unit, id)
  if w.calls == 0 then touched[#touched + 1] = w end
  w.count = w.count + 1
  w.calls = w.calls + 1
  if withTokens then
    w.sum = w.sum + est
    w.tokens = w.tokens + est
    w.withTokens = true
  end
end

-- One entry per window reserved in: its calls and (where budgeted) tokens, dated now.
local function writeEntries()
  for _, w in ipairs(touched) do
    local ttl = WINDOW[w.unit] + GUARD[w.unit] + 60000
    rcall('ZADD', w.wkey, now, w.entry)
    rcall('HINCRBY', w.nkey, w.entry, w.calls)
    rcall('HINCRBY', w.nkey, '_sum', w.calls)
    rcall('PEXPIRE', w.wkey, ttl)
    rcall('PEXPIRE', w.nkey, ttl)
    if w.withTokens then
      rcall('HINCRBY', w.tkey, w.entry, w.tokens)
      rcall('HINCRBY', w.tkey, '_sum', w.tokens)
      rcall('PEXPIRE', w.tkey, ttl)
    end
  end
end

local out = {}

-- A configured limit (ARGV[at]), else the learned one, else 0 (unknown).
local function limitOf(at, learned)
  local v = tonumber(ARGV[at])
  if v > 0 then return v end
  return tonumber(learned) or 0
end

-- A group's candidates, read from ARGV once (starting at ARGV[b + 1], 9 fields each).
local function candidatesAt(b, n)
  local list = {}
  for i = 0, n - 1 do
    local c = b + i * 9
    list[#list + 1] = { c = c, id = ARGV[c + 1], tier = tonumber(ARGV[c + 2]) }
  end
  return list
end

-- What does not change between a group's calls: the instance's state and its limits. Read when
-- the choice first reaches the candidate (a lower tier that serves every call leaves it unread).
local function load(cand)
  local c = cand.c
  local s = instanceState(cand.id, ARGV[c + 3], ARGV[c + 4], ARGV[c + 5])
  cand.s = s
  if not s.disabled then
    cand.rpm, cand.tpm = limitOf(c + 6, s.learned[1]), limitOf(c + 7, s.learned[2])
    cand.rpd, cand.tpd = limitOf(c + 8, s.learned[3]), limitOf(c + 9, s.learned[4])
  end
  return s
end

local PROBE_CALLS, PROBE_MS = 2, 100

-- The calls sent to an instance while probing, in the last PROBE_MS: the send times already
-- written (read once per script call) and how many this call added (dated now).
local function probeOf(s, id)
  if s.probe == nil then
    local key = root .. ':probe:' .. id
    local found = rcall('ZRANGEBYSCORE', key, '(' .. (now - PROBE_MS), '+inf', 'WITHSCORES')
    local times = {}
    for i = 2, #found, 2 do times[#times + 1] = tonumber(found[i]) end
    s.probe = { key = key, times = times, mine = 0 }
  end
  return s.probe
end

-- When the instance may take one more probing call: now if fewer than PROBE_CALLS were sent in
-- the last PROBE_MS, else when enough of those leave the interval.
local function probeFreeAt(p)
  local over = #p.times + p.mine - PROBE_CALLS + 1
  if over <= 0 then return now end
  if over <= #p.times then return p.times[over] + PROBE_MS end
  return now + PROBE_MS
end

-- Whether a candidate of the list at `tier` or a more preferred one is limited for about a window
-- or less: limits are being hit now where this list's jobs would rather go. (A daily limit hit
-- hours ago says nothing about the other instances this minute.) Worked out once per list and tier.
local function limitsBeingHit(cands, tier)
  cands.hit = cands.hit or {}
  if cands.hit[tier] ~= nil then return cands.hit[tier] end
  local hit = false
  for _, cand in ipairs(cands) do
    if cand.tier <= tier then
      local s = cand.s or load(cand)
      if not s.disabled and s.limitedFor > 0 and s.limitedFor <= WINDOW.m + GUARD.m then hit = true end
    end
  end
  cands.hit[tier] = hit
  return hit
end

-- Probing calls are written once per instance at the end, like the window entries.
local probed = {}
local function writeProbes()
  for _, p in ipairs(probed) do
    for i = 1, p.mine do rcall('ZADD', p.key, now, callId .. ':' .. i) end
    rcall('ZREMRANGEBYSCORE', p.key, '-inf', now - PROBE_MS)
    rcall('PEXPIRE', p.key, PROBE_MS * 2)
  end
end

-- One call, over its group's candidates (in preference order).
local function chooseOne(cands, est)
  local bestTier, best, bestHeadroom, bestUsed, bestProbing = nil, nil, -1, 0, false
  local earliest = -1
  local blocked = 0

  for _, cand in ipairs(cands) do
    if bestTier ~= nil and cand.tier > bestTier then break end
    local s = cand.s or load(cand)
    if s.disabled then
      if s.disabledFor > 0 then
        blocked = blocked + 1
        if earliest < 0 or now + s.disabledFor < earliest then earliest = now + s.disabledFor end
      end
    else
      local id = cand.id
      local freeAt = now + s.limitedFor
      -- The minute window counts calls always (it spreads load and teaches limits); tokens only
      -- where a token limit is known. The day window is read only where a daily limit is known;
      -- it is still written and trimmed for the chosen instance (usage, learning a daily limit).
      local hm, fm, used = windowState(s, 'm', id, cand.rpm, cand.tpm, est)
      local hd, fd = 1, now
      if cand.rpd > 0 or cand.tpd > 0 then hd, fd = windowState(s, 'd', id, cand.rpd, cand.tpd, est) end
      local unknown = cand.rpm == 0 and cand.tpm == 0 and cand.rpd == 0 and cand.tpd == 0
      local probing = unknown and limitsBeingHit(cands, cand.tier)
      if probing then fm = math.max(fm, probeFreeAt(probeOf(s, id))) end
      if hm >= 0 and hd >= 0 then
        freeAt = math.max(freeAt, fm, fd, remainingFreeAt(s, est))
        if freeAt <= now then
          local headroom = math.min(hm, hd)
          -- With unknown limits every headroom is 1: spread by fewest calls this minute instead.
          if headroom > bestHeadroom or (headroom == bestHeadroom and used < bestUsed) then
            bestTier, best, bestHeadroom, bestUsed, bestProbing = cand.tier, cand, headroom, used, probing
          end
        else
          blocked = blocked + 1
          if earliest < 0 or freeAt < earliest then earliest = freeAt end
        end
      end
    end
  end

  if best == nil then
    out[#out + 1] = 0
    out[#out + 1] = earliest
    out[#out + 1] = blocked
    out[#out + 1] = 0
    return
  end
  -- The day window is trimmed with the first read of it (windowOf), whether or not a daily limit
  -- is known: that keeps it bounded for instances whose daily limit is unknown.
  reserve(best.s, 'm', best.id, est, best.tpm > 0)
  reserve(best.s, 'd', best.id, est, best.tpd > 0)
  if bestProbing then
    local p = probeOf(best.s, best.id)
    if p.mine == 0 then probed[#probed + 1] = p end
    p.mine = p.mine + 1
  end
  out[#out + 1] = 1
  out[#out + 1] = best.id
  out[#out + 1] = math.floor(bestHeadroom * 1000)
  out[#out + 1] = (best.tpm > 0 or best.tpd > 0) and 1 or 0
end

local at = 6
for _ = 1, groups do
  local n = tonumber(ARGV[at])
  local cands = candidatesAt(at, n)
  at = at + 1 + n * 9
  local r = tonumber(ARGV[at])
  for j = 1, r do chooseOne(cands, tonumber(ARGV[at + j])) end
  at = at + 1 + r
end
writeEntries()
writeProbes()
return out
