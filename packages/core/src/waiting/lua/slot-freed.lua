--[[
  A call on a capped instance has ended and given its slot back: releases the next job of each
  line that waits for that instance (one per line, as a wake does: the one that gets the slot
  passes it on). Lines with nobody left on them leave the instance's set.

  Input:
    KEYS[1] waiting root
    KEYS[2] jobs queue key prefix
    ARGV[1] now (ms)
    ARGV[2] lease (ms)
    ARGV[3] instance id

  Output: { released, earliest wake of any line (ms, or -1) }
]]
local root, qp = KEYS[1], KEYS[2]
local now, leaseMs = tonumber(ARGV[1]), tonumber(ARGV[2])
local waiters = root .. ':slots:' .. ARGV[3]
local released = 0
for _, line in ipairs(rcall('SMEMBERS', waiters)) do
  if rcall('EXISTS', root .. ':line:' .. line) == 1 then
    released = released + releaseFrom(root, qp, line, 1, now, leaseMs)
  else
    rcall('SREM', waiters, line)
  end
end
return { released, earliestWake(root) }
