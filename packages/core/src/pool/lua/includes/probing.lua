--[[
  Probing: an instance whose minute request limit nobody knows (no configured, catalog, header or
  learned rpm) learns it from its first refusal, and every call in flight when that refusal comes
  is refused too. So beyond the most calls it has been seen to accept in a window (its known-good
  count, "rpm:g" in the stated limits, see stated-limits.lua), it takes only a few calls in flight
  at a time: PROBE_CALLS, or an eighth of the known-good count when that is more, so a generous
  provider is found out geometrically (x1.125 per round trip) while a small limit is crossed by at
  most a couple of calls. Within the known-good count calls go out at once.

  The calls in flight are the same leases a concurrency cap counts (includes/in-flight.lua): every
  call to such an instance holds one, so each answer is settled, and settle.lua raises the
  known-good count to the calls the window holds that are no longer in flight. Nothing is written
  for an instance whose limit is known.
]]
local PROBE_CALLS = 2

-- Whether calls to the instance hold a lease: it has a cap, or its minute request limit is unknown.
local function leases(cand)
  return cand.cap > 0 or cand.rpm == 0
end

-- The most calls that may be in flight to the instance now (0 = no cap now): its configured cap,
-- and while its request limit is unknown and the window holds its known-good count, the probes.
local function slotCap(cand, s, minute)
  local cap = cand.cap
  if cand.rpm == 0 then
    local good = s.stated.rpm.g or 0
    if minute.count >= good then
      local probes = math.max(PROBE_CALLS, math.floor(good / 8))
      if cap == 0 or probes < cap then cap = probes end
    end
  end
  return cap
end

-- settle.lua: an answered call that held a lease raises the instance's known-good count to the
-- calls its minute window holds that are no longer in flight (the provider took them all). Read
-- once per instance per script call, written at the end when it rose.
local knownGood, raised = {}, {}
local function noteAccepted(limitsKey, inFlightKey, windowCalls, now)
  local g = knownGood[limitsKey]
  if g == nil then
    local held = rcall('HMGET', limitsKey, 'rpm:g', 'rpm:g@')
    g = { key = limitsKey, value = tonumber(held[2] or '0') > now and tonumber(held[1]) or 0 }
    knownGood[limitsKey] = g
  end
  local accepted = windowCalls - rcall('ZCARD', inFlightKey)
  if accepted > g.value then
    if not g.raised then raised[#raised + 1] = g end
    g.value, g.raised = accepted, true
  end
end

local function writeKnownGood(now)
  for _, g in ipairs(raised) do
    rcall('HSET', g.key, 'rpm:g', g.value, 'rpm:g@', now + LEARNED_TTL.m)
    rcall('PEXPIRE', g.key, math.max(ttlOf(g.key), LEARNED_TTL.m))
  end
end
