--[[
  The place in a line of a job parking there for the first time, fair between tenants: each
  tenant's jobs on a line are spaced one call apart (the window over the calls it takes), starting
  no earlier than now. A tenant whose big batch parked a moment ago has its jobs spread far ahead,
  so another tenant's job that parks now lands behind only the few of them that capacity reaches
  before it, not behind the whole batch (start-time fair queueing). FIFO within a tenant.

  Input:
    KEYS[1] waiting root
    ARGV[1] line
    ARGV[2] tenant
    ARGV[3] now (ms)
    ARGV[4] spacing: ms one call of the line takes (window / calls per window)

  Output: the job's order on the line (ms-like score; lower is released first)
]]
local root = KEYS[1]
local line, tenant = ARGV[1], ARGV[2]
local now, spacing = tonumber(ARGV[3]), tonumber(ARGV[4])
local clocks = root .. ':fair:' .. line
local last = tonumber(rcall('HGET', clocks, tenant))
local order = now
if last and last + spacing > order then order = last + spacing end
rcall('HSET', clocks, tenant, order)
-- Forgotten once no tenant has parked there for a day beyond its last place.
rcall('PEXPIREAT', clocks, math.floor(order) + 86400000)
return tostring(order)
