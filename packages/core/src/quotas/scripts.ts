import type { RedisClient } from '../redis.js';

/**
 * Counts a submission's jobs against its tenant's cap, all or none: the job ids join the tenant's
 * unfinished set only if the set then holds at most `cap` ids. A set of ids rather than a counter,
 * so every path that sees a job end may remove it and the count still drops exactly once; sorted
 * by the time each place was taken (Redis' clock), so a sweep can tell old places from fresh ones.
 *
 * KEYS[1] the tenant's unfinished set (sorted set: job id -> ms when its place was taken)
 * ARGV[1] cap, ARGV[2..] the new job ids
 * Returns { admitted (0|1), unfinished before this submission }.
 */
const RESERVE = `
local before = redis.call('ZCARD', KEYS[1])
if before + #ARGV - 1 > tonumber(ARGV[1]) then return {0, before} end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
-- ZADD in slices: Lua's unpack stops at a few thousand values, a batch has up to 20,000 jobs.
local args = {}
for i = 2, #ARGV do
  args[#args + 1] = now
  args[#args + 1] = ARGV[i]
  if #args >= 1000 or i == #ARGV then
    redis.call('ZADD', KEYS[1], unpack(args))
    args = {}
  end
end
return {1, before}
`;

type Call = (...args: Array<string | number>) => Promise<unknown>;

export interface QuotaCommands {
  reserve(set: string, cap: number, ids: readonly string[]): Promise<[number, number]>;
}

/** Registers the quota script on a connection (EVALSHA, falling back to EVAL once). */
export function defineQuotaCommands(redis: RedisClient): QuotaCommands {
  const name = 'spillwayQuota_reserve';
  if (!(name in redis)) redis.defineCommand(name, { numberOfKeys: 1, lua: RESERVE });
  const reserve = (redis as unknown as Record<string, Call>)[name]!.bind(redis);
  return {
    reserve: async (set, cap, ids) => (await reserve(set, cap, ...ids)) as [number, number],
  };
}
