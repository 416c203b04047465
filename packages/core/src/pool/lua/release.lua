--[[
  Gives back a reservation whose call never reached the provider's counters (a transport failure
  before sending, a cancelled job).

  Input:  KEYS[1] pool root; ARGV[1] instance id; ARGV[2] reservation id
  Output: 1 if a reservation was removed, else 0
]]
local root = KEYS[1]
local id, resId = ARGV[1], ARGV[2]
return math.min(dropReservation(root, id, resId), 1)
