--[[
  A reservation id names the buckets its call went into and the tokens it holds:
    "<minute bucket start>.<day bucket start>.<tokens>"
  so giving it back or settling it takes exactly that back, with no per-call state in Redis. On an
  instance with a concurrency cap it ends in ".<lease>", the call's slot (see in-flight.lua).
]]
local function reservationId(now, tokens)
  return bucketOf('m', now) .. '.' .. bucketOf('d', now) .. '.' .. tokens
end

-- Returns minute start, day start, tokens and the slot's lease (nil: none); nil for an id that is
-- not a reservation.
local function parseReservation(resId)
  local m, d, tokens, lease = string.match(resId or '', '^(%d+)%.(%d+)%.(%d+)%.([%w:-]+)$')
  if not m then m, d, tokens = string.match(resId or '', '^(%d+)%.(%d+)%.(%d+)$') end
  if not m then return nil end
  return tonumber(m), tonumber(d), tonumber(tokens), lease
end

-- Takes a reservation out of both windows (read with readWindow; the caller writes them). Returns
-- which windows still held it.
local function dropReservation(minute, day, resId, now)
  local m, d, tokens = parseReservation(resId)
  if not m then return false, false end
  return takeBack(minute, m, tokens, now), takeBack(day, d, tokens, now)
end
