--[[
  Gives back reservations whose calls never reached the provider's counters (a transport failure
  before sending, a cancelled job, a reservation made ahead and not used in time).

  Input:  KEYS[1] pool root; ARGV: pairs of instance id, reservation id (one pair or many)
  Output: the number of reservations removed
]]
local root = KEYS[1]
local removed = 0
for i = 1, #ARGV, 2 do
  removed = removed + math.min(dropReservation(root, ARGV[i], ARGV[i + 1]), 1)
end
return removed
