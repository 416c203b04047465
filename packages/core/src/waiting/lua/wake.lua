--[[
  Releases one job from each line whose wake time has come (the start of a chain per line: one
  job, not a herd, however many wait).

  Input:
    KEYS[1] waiting root
    KEYS[2] jobs queue key prefix
    ARGV[1] now (ms)
    ARGV[2] lease (ms)
    ARGV[3] most lines to wake in one call (keeps the script short)

  Output: { released, earliest wake of any line (ms, or -1) }
]]
local root, qp = KEYS[1], KEYS[2]
local now, leaseMs = tonumber(ARGV[1]), tonumber(ARGV[2])
local due = rcall('ZRANGEBYSCORE', root .. ':wakes', '-inf', now, 'LIMIT', 0, tonumber(ARGV[3]))
local released = 0
for _, line in ipairs(due) do released = released + releaseFrom(root, qp, line, 1, now, leaseMs) end
return { released, earliestWake(root) }
