--[[
  Shared helpers, prepended to every pool script by the loader (as BullMQ's `includes`).
  Key layout under the pool root (KEYS[1], e.g. "{spillway}:pool"; everything shares its hash tag):
    <root>:limit:i:<instance>        limited instance        (string, PX = retry-after)
    <root>:limit:m:<type>:<model>    limited model, every credential
    <root>:limit:c:<providerId>      limited credential, every model
    <root>:disabled:<instance>       quota/billing: instance disabled (string, PX)
    <root>:w:<m|d>:<instance>        reservation entries in the minute/day window (zset member=entry, score=ms)
    <root>:n:<m|d>:<instance>        calls per entry (hash entry -> calls, "_sum" -> calls in the window)
    <root>:t:<m|d>:<instance>        tokens per entry (hash entry -> tokens, "_sum" -> total), where budgeted
    <root>:learned:<instance>        limits learned from headers and 429s (hash rpm/tpm/rpd/tpd)
    <root>:rem:<instance>            provider-reported remaining (hash req, reqAt, tok, tokAt: reset ms)
    <root>:probe:<instance>          calls sent while probing an instance of unknown limits (zset, score = ms; see choose.lua)

  An entry holds the calls one script call reserved (or re-dated) on one instance at one moment:
  a busy worker that chooses for many jobs at once adds one entry per instance, not one per call,
  so a window costs Redis the same however many calls it counts. A reservation id names its
  entry and the tokens it reserved: "<entry>#<tokens>"; giving one back takes one call (and its
  tokens) off that entry.
]]
local rcall = redis.call

-- Minute and day windows, each with a guard: the provider counts a request when it arrives, a
-- little after we reserved it, so our window must free a little later than the provider's does.
-- Scripts that use windows call setWindows with the caller's minute window (60000 in production;
-- tests shorten it to run a "minute" in a few seconds, the algorithm unchanged).
local WINDOW = { m = 60000, d = 86400000 }
local GUARD = { m = 750, d = 2000 }
local function setWindows(minuteMs, guardMs)
  WINDOW.m = tonumber(minuteMs)
  GUARD.m = tonumber(guardMs)
end

local function windowKeys(root, unit, id)
  local suffix = unit .. ':' .. id
  return root .. ':w:' .. suffix, root .. ':n:' .. suffix, root .. ':t:' .. suffix
end

-- Drops the entries older than the window and takes their calls and tokens off the running sums.
-- Works in chunks: after a long quiet spell thousands of day-window entries can expire at once,
-- more than one unpack() may take.
local function trim(root, unit, id, now)
  local wkey, nkey, tkey = windowKeys(root, unit, id)
  local cutoff = now - WINDOW[unit] - GUARD[unit]
  while true do
    local old = rcall('ZRANGEBYSCORE', wkey, '-inf', cutoff, 'LIMIT', 0, 1000)
    if #old == 0 then break end
    for _, key in ipairs({ nkey, tkey }) do
      local values = rcall('HMGET', key, unpack(old))
      local freed = 0
      for i = 1, #values do freed = freed + (tonumber(values[i]) or 0) end
      rcall('HDEL', key, unpack(old))
      if freed ~= 0 then rcall('HINCRBY', key, '_sum', -freed) end
    end
    rcall('ZREM', wkey, unpack(old))
    if #old < 1000 then break end
  end
  return wkey, nkey, tkey
end

-- "<entry>#<tokens>" -> entry, tokens
local function parseReservation(resId)
  local entry, tokens = string.match(resId, '^(.*)#(%d+)$')
  return entry, tonumber(tokens)
end

-- Adds `by` to an entry's field and the window's sum; an entry left with nothing is removed.
local function addToEntry(key, entry, by)
  local left = rcall('HINCRBY', key, entry, by)
  rcall('HINCRBY', key, '_sum', by)
  if left <= 0 then rcall('HDEL', key, entry) end
  return left
end

-- Takes one reserved call out of a window (and its tokens off the sum, where they were counted).
-- Returns whether it was still in the window, and whether its tokens were counted there.
local function takeOut(wkey, nkey, tkey, entry, tokens)
  if not rcall('ZSCORE', wkey, entry) or (tonumber(rcall('HGET', nkey, entry)) or 0) <= 0 then
    return false, false
  end
  if addToEntry(nkey, entry, -1) <= 0 then rcall('ZREM', wkey, entry) end
  local counted = rcall('HEXISTS', tkey, entry) == 1
  if counted then addToEntry(tkey, entry, -tokens) end
  return true, counted
end

-- Takes a reservation out of both windows (and its tokens off their sums). Returns how many
-- window entries it took it from.
local function dropReservation(root, id, resId)
  local entry, tokens = parseReservation(resId)
  if not entry then return 0 end
  local removed = 0
  for _, unit in ipairs({ 'm', 'd' }) do
    local wkey, nkey, tkey = windowKeys(root, unit, id)
    if takeOut(wkey, nkey, tkey, entry, tokens) then removed = removed + 1 end
  end
  return removed
end

local function limitTtl(key)
  local ttl = rcall('PTTL', key)
  if ttl and ttl > 0 then return ttl end
  return 0
end
