--[[
  Chooses an instance for each of a batch of provider calls and reserves it, atomically. A worker
  sends the calls that want a slot in the same turn of its event loop together; the answer is the
  same as if each call had run this script alone, in order (each sees the reservations before it).

  Input:
    KEYS    10 per candidate, in the order of ARGV's candidates (see includes/instance.lua)
    ARGV[1] minute window (ms), ARGV[2] its guard (ms)
    ARGV[3] call id (unique per script call: names the leases of the calls it sends)
    ARGV[4] slot lease (ms), ARGV[5] slot recheck (ms) (see includes/in-flight.lua)
    ARGV[6] number of groups G, then G groups (calls that share one candidate list), each:
            number of candidates N, then N groups of 8 fields, in preference order:
              id, tier, rpm, tpm, rpd, tpd   (the instance's own figures, 0 = unknown),
              their source ("configured" | "catalog"), maxConcurrent (0 = no cap)
            number of calls R, then R estimated token counts

  Output: now (Redis time, ms), the reservation id of this call (see includes/reservation.lua),
  then five values per call, in input order:
    1, instanceId, headroom (0..1000), tokensTracked (1 when a window of it budgets tokens),
       the lease of its slot ("" when the instance has no cap)
    0, earliestFreeAt (ms, Redis time; -1 if no candidate can ever serve; a disabled one serves
       again when its disable expires), blockedCount, 0, ""

  Within the lowest tier that has an eligible instance, the one with the most headroom wins
  (the smallest fraction left of any limit in force); unknown limits leave headroom at 1, and
  then the fewest calls this minute wins. Probing: see includes/probing.lua. An instance with a
  concurrency cap counts its free slots as one more limit (see includes/in-flight.lua).
]]
--- @include "includes/time"
--- @include "includes/windows"
--- @include "includes/reservation"
--- @include "includes/stated-limits"
--- @include "includes/hints"
--- @include "includes/instance"
--- @include "includes/probing"
--- @include "includes/in-flight"

local now = redisNow()
setWindows(ARGV[1], ARGV[2])
local callId = ARGV[3]
local slotLeaseMs, slotRecheckMs = tonumber(ARGV[4]), tonumber(ARGV[5])
local FIELDS = 8
local calls = 0

-- Per instance id, read on first use; `loaded` lists them in that order, written at the end.
local seen, loaded = {}, {}

-- What does not change between a batch's calls: the instance's state and the limits in force.
-- Read when the choice first reaches the candidate (a lower tier that serves every call leaves
-- it unread).
local function load(cand)
  local s = seen[cand.id]
  if not s then
    s = readInstance(cand.k, now)
    if not s.disabled then s.hints = readHints(KEYS[cand.k + K_HINTS], now) end
    seen[cand.id] = s
    loaded[#loaded + 1] = s
  end
  cand.s = s
  if not s.disabled then
    for i, name in ipairs(LIMIT_NAMES) do
      cand[name] = inForce(tonumber(ARGV[cand.a + 2 + i]), ARGV[cand.a + 7], s.stated[name])
    end
  end
  return s
end

-- How one window stands for a call of `est` tokens: the headroom left after it (-1 when it can
-- never fit), and when it has room if it has none now.
local function windowState(w, limitReq, limitTok, est)
  local headroom, freeAt = 1, now
  if limitReq > 0 then
    if w.count + 1 > limitReq then
      headroom, freeAt = 0, math.max(freeAt, freesAt(w, 'calls', w.count + 1 - limitReq, now))
    else
      headroom = math.min(headroom, (limitReq - w.count - 1) / limitReq)
    end
  end
  if limitTok > 0 then
    if est > limitTok then return -1, -1 end
    if w.sum + est > limitTok then
      headroom, freeAt = 0, math.max(freeAt, freesAt(w, 'tokens', w.sum + est - limitTok, now))
    else
      headroom = math.min(headroom, (limitTok - w.sum - est) / limitTok)
    end
  end
  return headroom, freeAt
end

local out = { now, reservationId(now, 0) }

local function chooseOne(cands, est)
  local best, bestHeadroom, bestUsed = nil, -1, 0
  local earliest, blocked = -1, 0
  for _, cand in ipairs(cands) do
    if best and cand.tier > best.tier then break end
    local s = cand.s or load(cand)
    if s.disabled then
      -- A disable expires (the quota resets): it is a time the instance can serve again.
      blocked = blocked + 1
      if earliest < 0 or now + s.disabledTtl < earliest then earliest = now + s.disabledTtl end
    else
      -- The minute window is always read (it spreads load and teaches limits); the day window only
      -- where a daily limit is in force. Both are written for the chosen instance.
      local minute = windowOf(s, 'm', now)
      local hm, fm = windowState(minute, cand.rpm, cand.tpm, est)
      local hd, fd = 1, now
      if cand.rpd > 0 or cand.tpd > 0 then hd, fd = windowState(windowOf(s, 'd', now), cand.rpd, cand.tpd, est) end
      local hs, fs = 1, now
      local cap = slotCap(cand, s, minute)
      if cap > 0 then hs, fs = slotState(inFlightOf(s, KEYS[cand.k + K_INFLIGHT], now), cap, now, slotRecheckMs) end
      if hm >= 0 and hd >= 0 then
        local freeAt = math.max(now + s.limitedFor, fm, fd, fs, hintsFreeAt(s.hints, est, now))
        local headroom = math.min(hm, hd, hs)
        if freeAt > now then
          blocked = blocked + 1
          if earliest < 0 or freeAt < earliest then earliest = freeAt end
        elseif headroom > bestHeadroom or (headroom == bestHeadroom and minute.count < bestUsed) then
          best, bestHeadroom, bestUsed = cand, headroom, minute.count
        end
      end
    end
  end

  calls = calls + 1
  if best == nil then
    for _, v in ipairs({ 0, earliest, blocked, 0, '' }) do out[#out + 1] = v end
    return
  end
  local s = best.s
  s.reserved = true
  addCall(windowOf(s, 'm', now), now, est)
  addCall(windowOf(s, 'd', now), now, est)
  useHints(s.hints, est)
  local lease = ''
  if leases(best) then
    lease = callId .. ':' .. calls
    takeSlot(inFlightOf(s, KEYS[best.k + K_INFLIGHT], now), lease)
  end
  for _, v in ipairs({ 1, best.id, math.floor(bestHeadroom * 1000), (best.tpm > 0 or best.tpd > 0) and 1 or 0, lease }) do
    out[#out + 1] = v
  end
end

-- Read the groups from ARGV: each candidate remembers where its fields (a) and keys (k) start.
local at, k = 7, 0
for _ = 1, tonumber(ARGV[6]) do
  local cands = {}
  for i = 1, tonumber(ARGV[at]) do
    local a = at + (i - 1) * FIELDS
    cands[i] = { a = a, k = k, id = ARGV[a + 1], tier = tonumber(ARGV[a + 2]), cap = tonumber(ARGV[a + 8]) }
    k = k + KEYS_PER_INSTANCE
  end
  at = at + 1 + #cands * FIELDS
  for j = 1, tonumber(ARGV[at]) do chooseOne(cands, tonumber(ARGV[at + j])) end
  at = at + 1 + tonumber(ARGV[at])
end

-- Every window read is written back: the reservations made, and the buckets that have left.
for _, s in ipairs(loaded) do
  for _, w in pairs(s.windows) do writeWindow(w) end
  if s.reserved then writeHints(KEYS[s.k + K_HINTS], s.hints) end
end
writeSlots(now, slotLeaseMs)
return out
