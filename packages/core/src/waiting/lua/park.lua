--[[
  Parks a job on a line (the job is already in BullMQ's delayed set, until its deadline).

  Input:
    KEYS[1] waiting root, e.g. "{spillway}:wait"
    ARGV[1] line ("c:<hash>" capacity, "p:<planJobId>" waiting for a plan)
    ARGV[2] member "<jobId>[ <batchId>]"
    ARGV[3] order (ms when the job first parked: a job parked again keeps its place at the front)
    ARGV[4] until: when the pool says capacity returns for the line (ms), or -1 (no wake by time)
    ARGV[5] calls the line's instances take per window (their known limits; 0 = unknown)
    ARGV[6] that window (ms)
    ARGV[7] 1 when the job was released from this line and could not run: its until replaces the
            line's wake (the release lease); 0: the line wakes at the earlier of the two
    ARGV[8] number of capped instances S among the line's candidates, then S instance ids: a slot
            given back on one of them releases the line's next job (see slot-freed.lua)

  Output: the earliest wake of any line (ms), or -1
]]
local root = KEYS[1]
local line, member, order = ARGV[1], ARGV[2], tonumber(ARGV[3])
local untilMs, replace = tonumber(ARGV[4]), ARGV[7] == '1'

if rcall('ZADD', root .. ':line:' .. line, order, member) == 1 then count(root, line, member, 1) end
if untilMs >= 0 then
  rcall('HSET', root .. ':set:' .. line, 'until', untilMs, 'perWindow', ARGV[5], 'windowMs', ARGV[6])
  local wakes = root .. ':wakes'
  local current = tonumber(rcall('ZSCORE', wakes, line))
  if replace or not current or untilMs < current then rcall('ZADD', wakes, untilMs, line) end
end
for i = 1, tonumber(ARGV[8] or '0') do
  local waiters = root .. ':slots:' .. ARGV[8 + i]
  rcall('SADD', waiters, line)
  rcall('PEXPIRE', waiters, SLOT_WAITERS_TTL)
end
return earliestWake(root)
