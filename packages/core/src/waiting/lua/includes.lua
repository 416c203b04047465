--[[
  Shared helpers, prepended to every waiting script by the loader (as BullMQ's `includes`).
  Key layout under the waiting root (KEYS[1], e.g. "{spillway}:wait"; same hash tag as the jobs
  queue, KEYS[2], e.g. "{spillway}:jobs:", so one script may touch both):
    <root>:line:<line>   the jobs parked on one line, oldest first (zset member = "<jobId>[ <batchId>]",
                         score = when the job first parked, ms). A line is "c:<hash>" (jobs waiting
                         for the same candidate instances and token class) or "p:<planJobId>"
                         (coaching jobs waiting for their plan to finish).
    <root>:set:<line>    what the pool said when the line last parked a job (hash until, perWindow, windowMs)
    <root>:wakes         when each capacity line is due a release (zset member = line, score = ms)
    <root>:counts        jobs parked on capacity lines (hash "all" and "b:<batchId>")
    <root>:slots:<id>    the lines that wait, among others, for a slot of capped instance <id>
                         (set of lines; a line found empty is dropped, the set is forgotten a day
                         after a job last parked for it)
  A parked job sits in BullMQ's delayed set with its deadline as the timestamp: BullMQ itself
  brings it back at its deadline if no release does first.
]]
local rcall = redis.call
local SLOT_WAITERS_TTL = 86400000

-- "<jobId> <batchId>" -> jobId, batchId (or nil)
local function splitMember(member)
  local space = string.find(member, ' ', 1, true)
  if not space then return member, nil end
  return string.sub(member, 1, space - 1), string.sub(member, space + 1)
end

local function isCapacityLine(line)
  return string.sub(line, 1, 2) == 'c:'
end

-- Keeps the waiting counts (all, per batch) in step with the capacity lines.
local function count(root, line, member, by)
  if not isCapacityLine(line) then return end
  local counts = root .. ':counts'
  rcall('HINCRBY', counts, 'all', by)
  local _, batchId = splitMember(member)
  if batchId then
    if rcall('HINCRBY', counts, 'b:' .. batchId, by) <= 0 then rcall('HDEL', counts, 'b:' .. batchId) end
  end
end

-- A line with nobody on it leaves the wake schedule.
local function forgetIfEmpty(root, line)
  if rcall('EXISTS', root .. ':line:' .. line) == 0 then
    rcall('ZREM', root .. ':wakes', line)
    rcall('DEL', root .. ':set:' .. line)
    return true
  end
  return false
end

-- delayed -> wait, as BullMQ 6's promote-9.lua does it (with its includes addJobInTargetList,
-- addJobWithPriority, getPriorityScore, isQueuePausedOrMaxed), so workers see a promoted job
-- exactly as BullMQ's own Job.promote() leaves it. False when the job is not delayed (removed,
-- or already on its way).
local function promote(qp, jobId)
  if rcall('ZREM', qp .. 'delayed', jobId) ~= 1 then return false end
  local jobKey = qp .. jobId
  local priority = tonumber(rcall('HGET', jobKey, 'priority')) or 0
  local markerKey = qp .. 'marker'
  local attributes = rcall('HMGET', qp .. 'meta', 'paused', 'concurrency')
  local pausedOrMaxed = false
  if attributes[1] then
    pausedOrMaxed = true
  elseif attributes[2] then
    pausedOrMaxed = rcall('LLEN', qp .. 'active') >= tonumber(attributes[2])
  end
  local marker = rcall('LINDEX', qp .. 'wait', 0)
  if marker and string.sub(marker, 1, 2) == '0:' then rcall('LPOP', qp .. 'wait') end
  if priority == 0 then
    rcall('LPUSH', qp .. 'wait', jobId)
  else
    local counter = rcall('INCR', qp .. 'pc')
    rcall('ZADD', qp .. 'prioritized', priority * 0x100000000 + counter % 0x100000000, jobId)
  end
  if not pausedOrMaxed then rcall('ZADD', markerKey, 0, '0') end
  rcall('XADD', qp .. 'events', '*', 'event', 'waiting', 'jobId', jobId, 'prev', 'delayed')
  rcall('HSET', jobKey, 'delay', 0)
  return true
end

-- Releases up to `wanted` jobs of a line, oldest first, skipping ids whose job is gone. A capacity
-- line that still has jobs gets a lease: if no released job reports back (it reserved, or it
-- parked again) by then, the line is due again, so a released job that vanished (cancelled,
-- removed) cannot strand the ones behind it.
local MAX_SKIPPED = 1000
local function releaseFrom(root, qp, line, wanted, now, leaseMs)
  local key = root .. ':line:' .. line
  local released, skipped = 0, 0
  while released < wanted and skipped < MAX_SKIPPED do
    local popped = rcall('ZPOPMIN', key)
    if #popped == 0 then break end
    count(root, line, popped[1], -1)
    local jobId = splitMember(popped[1])
    if promote(qp, jobId) then released = released + 1 else skipped = skipped + 1 end
  end
  if not forgetIfEmpty(root, line) and isCapacityLine(line) then
    rcall('ZADD', root .. ':wakes', now + leaseMs, line)
  end
  return released
end

-- The earliest due time of any line, or -1.
local function earliestWake(root)
  local first = rcall('ZRANGE', root .. ':wakes', 0, 0, 'WITHSCORES')
  if #first == 0 then return -1 end
  return tonumber(first[2])
end
