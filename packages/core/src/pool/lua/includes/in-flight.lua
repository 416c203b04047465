--[[
  Calls in flight, for a concurrency cap (`maxConcurrent`) and for probing an instance whose minute
  request limit is unknown (includes/probing.lua): leases in the instance's in-flight zset (key 10,
  <root>:inflight:<instance>), member "<call id>:<n>", score = when the lease lapses (Redis time +
  the lease length, longer than any call may last). The lease rides on the reservation id
  (includes/reservation.lua), so whatever ends a call (settle, release, limit) gives its slot back;
  a dead worker's leases lapse, and the next choice drops them. An instance with a known rpm and
  no cap has no such key.
]]

-- The live leases of a capped instance, read once per script call (lapsed ones dropped first):
-- how many, and the earliest lapse. `mine` are the ones this script call takes (written at the end).
local function inFlightOf(s, key, now)
  if s.inFlight == nil then
    rcall('ZREMRANGEBYSCORE', key, '-inf', now)
    local first = rcall('ZRANGE', key, 0, 0, 'WITHSCORES')
    s.inFlight = { key = key, count = rcall('ZCARD', key), firstLapse = tonumber(first[2]), mine = {} }
  end
  return s.inFlight
end

-- How a cap of `max` stands for one more call: the headroom left after it, and when a slot frees
-- if none is free now. A call may end any moment (and its end wakes the jobs waiting for it), so
-- that is "look again after `recheckMs`", or the earliest lapse if sooner.
local function slotState(f, max, now, recheckMs)
  local used = f.count + #f.mine
  if used < max then return (max - used - 1) / max, now end
  local freeAt = now + recheckMs
  if f.firstLapse and f.firstLapse < freeAt then freeAt = f.firstLapse end
  return 0, freeAt
end

local leased = {}
local function takeSlot(f, lease)
  if #f.mine == 0 then leased[#leased + 1] = f end
  f.mine[#f.mine + 1] = lease
end

-- The slots taken are written once per instance at the end, like the windows.
local function writeSlots(now, leaseMs)
  for _, f in ipairs(leased) do
    for _, lease in ipairs(f.mine) do rcall('ZADD', f.key, now + leaseMs, lease) end
    rcall('PEXPIRE', f.key, math.max(ttlOf(f.key), leaseMs))
  end
end

-- Gives back the slot a reservation holds, if it holds one (a lapsed lease is already gone).
local function giveBackSlot(key, resId)
  local _, _, _, lease = parseReservation(resId)
  if lease then rcall('ZREM', key, lease) end
end
