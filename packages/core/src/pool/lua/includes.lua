--[[
  Shared helpers, prepended to every pool script by the loader (as BullMQ's `includes`).
  Key layout under the pool root (KEYS[1], e.g. "{spillway}:pool"; everything shares its hash tag):
    <root>:limit:i:<instance>        limited instance        (string, PX = retry-after)
    <root>:limit:m:<type>:<model>    limited model, every credential
    <root>:limit:c:<providerId>      limited credential, every model
    <root>:disabled:<instance>       quota/billing: instance disabled (string, PX)
    <root>:w:<m|d>:<instance>        reservations in the minute/day window (zset member=res id, score=ms)
    <root>:t:<m|d>:<instance>        tokens per reservation (hash res id -> tokens, "_sum" -> total)
    <root>:learned:<instance>        limits learned from headers and 429s (hash rpm/tpm/rpd/tpd)
    <root>:rem:<instance>            provider-reported remaining (hash req, reqAt, tok, tokAt: reset ms)
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
  return root .. ':w:' .. unit .. ':' .. id, root .. ':t:' .. unit .. ':' .. id
end

-- Drops reservations older than the window and, when the window budgets tokens, takes their
-- tokens off the running sum. Works in chunks: after a long quiet spell thousands of day-window
-- entries can expire at once, more than one unpack() may take.
local function trim(root, unit, id, now, withTokens)
  local wkey, tkey = windowKeys(root, unit, id)
  local cutoff = now - WINDOW[unit] - GUARD[unit]
  if withTokens then
    while true do
      local old = rcall('ZRANGEBYSCORE', wkey, '-inf', cutoff, 'LIMIT', 0, 1000)
      if #old == 0 then break end
      local tokens = rcall('HMGET', tkey, unpack(old))
      local freed = 0
      for i = 1, #tokens do freed = freed + (tonumber(tokens[i]) or 0) end
      rcall('HDEL', tkey, unpack(old))
      if freed > 0 then rcall('HINCRBY', tkey, '_sum', -freed) end
      rcall('ZREM', wkey, unpack(old))
      if #old < 1000 then break end
    end
  else
    rcall('ZREMRANGEBYSCORE', wkey, '-inf', cutoff)
  end
  return wkey, tkey
end

-- Takes a reservation out of both windows (and its tokens off their sums). Returns how many
-- window entries it removed.
local function dropReservation(root, id, resId)
  local removed = 0
  for _, unit in ipairs({ 'm', 'd' }) do
    local wkey, tkey = windowKeys(root, unit, id)
    local tokens = tonumber(rcall('HGET', tkey, resId))
    if tokens then
      rcall('HDEL', tkey, resId)
      rcall('HINCRBY', tkey, '_sum', -tokens)
    end
    removed = removed + rcall('ZREM', wkey, resId)
  end
  return removed
end

local function limitTtl(key)
  local ttl = rcall('PTTL', key)
  if ttl and ttl > 0 then return ttl end
  return 0
end
