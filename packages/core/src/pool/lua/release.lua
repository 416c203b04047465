--[[
  Gives back a reservation whose call never reached the provider's counters (a transport failure
  before sending, a cancelled job, a request too large).

  Input:  KEYS[1] minute buckets, KEYS[2] day buckets of the instance (<root>:w:m|d:<id>),
          KEYS[3] its calls in flight (<root>:inflight:<id>: the call's slot, if it holds one)
          ARGV[1] minute window (ms), ARGV[2] its guard (ms), ARGV[3] reservation id
  Output: 1 if the reservation was still counted in a window, else 0
]]
--- @include "includes/time"
--- @include "includes/windows"
--- @include "includes/reservation"
--- @include "includes/in-flight"

setWindows(ARGV[1], ARGV[2])
local now = redisNow()
local minute, day = readWindow(KEYS[1], 'm', now), readWindow(KEYS[2], 'd', now)
local inMinute, inDay = dropReservation(minute, day, ARGV[3], now)
writeWindow(minute)
writeWindow(day)
giveBackSlot(KEYS[3], ARGV[3])
return (inMinute or inDay) and 1 or 0
