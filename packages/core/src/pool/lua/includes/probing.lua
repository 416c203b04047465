--[[
  Probing: while a candidate of the list in the same or a more preferred tier is rate limited for
  a minute or less (limits are being hit right now), an instance with no known limit takes at
  most PROBE_CALLS calls per PROBE_MS from that list. Without it a burst of jobs moving off the
  limited instances lands on the unknown ones all at once, and every call beyond their limit is
  refused before the first refusal teaches it. The calls sent while probing are remembered in the
  instance's probe key (a zset of calls by send time); nothing is written while no limit is hit.
]]
local PROBE_CALLS, PROBE_MS = 2, 100

-- The calls sent to an instance while probing, in the last PROBE_MS: the send times already
-- written (read once per script call) and how many this call added (dated now).
local function probeOf(s, key, now)
  if s.probe == nil then
    local found = rcall('ZRANGEBYSCORE', key, '(' .. (now - PROBE_MS), '+inf', 'WITHSCORES')
    local times = {}
    for i = 2, #found, 2 do times[#times + 1] = tonumber(found[i]) end
    s.probe = { key = key, times = times, mine = 0 }
  end
  return s.probe
end

-- When the instance may take one more probing call: now if fewer than PROBE_CALLS were sent in
-- the last PROBE_MS, else when enough of those leave the interval.
local function probeFreeAt(p, now)
  local over = #p.times + p.mine - PROBE_CALLS + 1
  if over <= 0 then return now end
  if over <= #p.times then return p.times[over] + PROBE_MS end
  return now + PROBE_MS
end

-- Whether a candidate of the list at `tier` or a more preferred one is limited for about a window
-- or less: limits are being hit now where this list's jobs would rather go. (A daily limit hit
-- hours ago says nothing about the other instances this minute.) Worked out once per list and tier.
-- `load(cand)` reads a candidate's state (the script's own loader).
local function limitsBeingHit(cands, tier, load)
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

local probed = {}
local function addProbe(p)
  if p.mine == 0 then probed[#probed + 1] = p end
  p.mine = p.mine + 1
end

-- Probing calls are written once per instance at the end, like the windows.
local function writeProbes(at, callId)
  for _, p in ipairs(probed) do
    for i = 1, p.mine do rcall('ZADD', p.key, at, callId .. ':' .. i) end
    rcall('ZREMRANGEBYSCORE', p.key, '-inf', at - PROBE_MS)
    rcall('PEXPIRE', p.key, PROBE_MS * 2)
  end
end
