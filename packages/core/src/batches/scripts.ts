import type { RedisClient } from '../redis.js';

/**
 * Counts one batch item as finished, once: the item joins the finished set, and only if it was not
 * there yet are its outcome counter and the finished counter incremented. The first call that
 * brings `finished` to `total` stamps finishedAt, and only that call is told the batch just finished.
 *
 * KEYS[1] batch hash, KEYS[2] finished set
 * ARGV[1] item (plan job id), ARGV[2] outcome field (completed | failed | cancelled), ARGV[3] now (ms)
 * Returns { counted (0|1), batchFinished (0|1) }; {0, 0} when the batch is gone (expired).
 */
const FINISH = `
if redis.call('EXISTS', KEYS[1]) == 0 then return {0, 0} end
if redis.call('SADD', KEYS[2], ARGV[1]) == 0 then return {0, 0} end
if redis.call('PTTL', KEYS[2]) == -1 then
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl > 0 then redis.call('PEXPIRE', KEYS[2], ttl) end
end
redis.call('HINCRBY', KEYS[1], ARGV[2], 1)
local finished = redis.call('HINCRBY', KEYS[1], 'finished', 1)
local total = tonumber(redis.call('HGET', KEYS[1], 'total'))
if finished >= total and redis.call('HSETNX', KEYS[1], 'finishedAt', ARGV[3]) == 1 then
  return {1, 1}
end
return {1, 0}
`;

/**
 * Stamps a milestone (startedAt, cancelledAt) the first time, on a batch that still exists; with
 * ARGV[3] = '1' only while the batch is unfinished (a finished batch cannot be cancelled any more).
 *
 * KEYS[1] batch hash
 * ARGV[1] field, ARGV[2] now (ms), ARGV[3] '1' to require an unfinished batch
 * Returns 1 when stamped now, 0 otherwise.
 */
const MILESTONE = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if ARGV[3] == '1' and redis.call('HEXISTS', KEYS[1], 'finishedAt') == 1 then return 0 end
return redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2])
`;

type Call = (...args: Array<string | number>) => Promise<unknown>;

export interface BatchCommands {
  finish(
    record: string,
    finished: string,
    item: string,
    outcome: string,
    now: number,
  ): Promise<[number, number]>;
  milestone(record: string, field: string, now: number, onlyUnfinished: boolean): Promise<number>;
}

/** Registers the batch scripts on a connection (EVALSHA, falling back to EVAL once). */
export function defineBatchCommands(redis: RedisClient): BatchCommands {
  const bound = (name: string, keys: number, lua: string): Call => {
    if (!(name in redis)) redis.defineCommand(name, { numberOfKeys: keys, lua });
    return (redis as unknown as Record<string, Call>)[name]!.bind(redis);
  };
  const finish = bound('spillwayBatch_finish', 2, FINISH);
  const milestone = bound('spillwayBatch_milestone', 1, MILESTONE);
  return {
    finish: async (record, finishedSet, item, outcome, now) =>
      (await finish(record, finishedSet, item, outcome, now)) as [number, number],
    milestone: async (record, field, now, onlyUnfinished) =>
      Number(await milestone(record, field, now, onlyUnfinished ? '1' : '0')),
  };
}
