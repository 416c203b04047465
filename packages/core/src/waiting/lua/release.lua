--[[
  Releases the next jobs of one line (delayed -> wait): a released job that got capacity passes it
  on to the ones behind it (a chain), and a plan that finished releases its coaching jobs.

  Input:
    KEYS[1] waiting root
    KEYS[2] jobs queue key prefix, e.g. "{spillway}:jobs:"
    ARGV[1] now (ms)
    ARGV[2] lease (ms): when the line is due again if no released job reports back
    ARGV[3] line
    ARGV[4] how many to release

  Output: { released, earliest wake of any line (ms, or -1) }
]]
local root, qp = KEYS[1], KEYS[2]
local released = releaseFrom(root, qp, ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[1]), tonumber(ARGV[2]))
return { released, earliestWake(root) }
