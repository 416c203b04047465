--[[
  Takes a job off its line: it came back at its deadline, or it was cancelled.

  Input:
    KEYS[1] waiting root
    ARGV[1] line
    ARGV[2] member "<jobId>[ <batchId>]"

  Output: 1 if the job was on the line, else 0
]]
local root, line, member = KEYS[1], ARGV[1], ARGV[2]
local removed = rcall('ZREM', root .. ':line:' .. line, member)
if removed == 1 then
  count(root, line, member, -1)
  forgetIfEmpty(root, line)
end
return removed
