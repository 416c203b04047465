--[[
  Records a rate-limit answer: sets the limit key of the scope the provider named, never
  shortening a longer limit already there; drops the refused call's reservation (the provider did
  not count it) and gives back its slot on a capped instance; and, for a 429 about this instance's own window, learns that window's limit.

  Input:
    KEYS[1] limit key of the scope (<root>:limit:i|m|c|f:...)
    KEYS[2] <root>:strikes:<instance>   recent 429s of the instance (for the backoff)
    KEYS[3] <root>:w:m:<instance>, KEYS[4] <root>:w:d:<instance>   its windows
    KEYS[5] <root>:limits:<instance>    stated limits (see includes/stated-limits.lua)
    KEYS[6] <root>:inflight:<instance>  calls in flight (see includes/in-flight.lua)
    ARGV[1] retry after (ms, as the provider said: may be 0, negative or past)
    ARGV[2] reason payload (JSON) shown by the pool view
    ARGV[3] reservation id ("" for none)
    ARGV[4] window to learn: "m", "d" or "" (unknown: learn nothing)
    ARGV[5] what to learn: "rp" (requests), "tp" (tokens) or "" (nothing: another scope's 429)
    ARGV[6] the instance's own figure for that limit (0 = unknown), ARGV[7] its source
            ("configured" | "catalog")
    ARGV[8] minute window (ms), ARGV[9] its guard (ms)

  Output: the limit's remaining ms after the call (the longer of old and new)

  Backoff: a 429 that arrives while the scope is not limited already is a strike (the calls that
  were in flight when the first came are not). Each strike within QUIET_MS of the last doubles the
  least we stay away: 1 s, 2 s, 4 s ... up to 60 s; a quiet spell of two minute windows (2 min in
  production) resets it. So a zero, negative or past hint is not a 1 ms cooldown, and an instance
  that keeps refusing is left alone for longer. The steps are fractions of the minute window (1/60
  up to 1), so a test that shortens the minute shortens them alike.
]]
--- @include "includes/time"
--- @include "includes/windows"
--- @include "includes/reservation"
--- @include "includes/stated-limits"
--- @include "includes/in-flight"

local now = redisNow()
setWindows(ARGV[8], ARGV[9])
local FLOOR_MS, MAX_FLOOR_MS = math.floor(WINDOW.m / 60), WINDOW.m
local QUIET_MS = 2 * WINDOW.m
local key, strikesKey, minuteKey, dayKey, limitsKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local unit, what = ARGV[4], ARGV[5]

local existing = ttlOf(key)
local strikes = tonumber(rcall('GET', strikesKey) or '0')
if existing == 0 then
  strikes = strikes + 1
  rcall('SET', strikesKey, strikes, 'PX', QUIET_MS)
end
local floor = math.min(FLOOR_MS * 2 ^ (math.max(strikes, 1) - 1), MAX_FLOOR_MS)
local ttl = math.max(math.floor(tonumber(ARGV[1])), floor)
if ttl > existing then
  rcall('SET', key, ARGV[2], 'PX', ttl)
  existing = ttl
end

local windows = { m = readWindow(minuteKey, 'm', now), d = readWindow(dayKey, 'd', now) }
if ARGV[3] ~= '' then dropReservation(windows.m, windows.d, ARGV[3], now) end
giveBackSlot(KEYS[6], ARGV[3])

-- Learn what the window held when the provider refused: the calls (or tokens) it let through.
-- Only where nobody stated the limit; the learned figure replaces an older one, up or down, and
-- its expiry is set when it changes, not pushed back by every 429.
if unit ~= '' and what ~= '' then
  local name = what .. unit
  local given, source = tonumber(ARGV[6]), ARGV[7]
  local _, inForceSource = inForce(given, source, readStated(limitsKey, now)[name])
  if inForceSource ~= 'configured' and inForceSource ~= 'header' then
    local w = windows[unit]
    -- Calls still in flight may not be counted by the provider yet (see includes/probing.lua).
    local seen = what == 'rp' and w.count - rcall('ZCARD', KEYS[6]) or w.sum
    local held = rcall('HMGET', limitsKey, name .. ':l', name .. ':l@')
    local live = tonumber(held[2] or '0') > now
    if seen > 0 and (not live or tonumber(held[1]) ~= seen) then
      rcall('HSET', limitsKey, name .. ':l', seen, name .. ':l@', now + LEARNED_TTL[unit])
      rcall('PEXPIRE', limitsKey, math.max(ttlOf(limitsKey), LEARNED_TTL[unit]))
    end
  end
end
writeWindow(windows.m)
writeWindow(windows.d)
return existing
