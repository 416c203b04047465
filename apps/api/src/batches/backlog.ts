import { batchKeys, type RedisClient, tenantBatchesKey } from '@spillway/core';

/**
 * The tenant's unfinished batch items (its batches climb the priority ladder by it:
 * packages/core/src/jobs/priority.ts), summed from its batches' own counters (so it cannot drift
 * from them); batches that finished or expired leave the tenant's set on the way.
 */
export async function tenantBacklog(redis: RedisClient, prefix: string, tenant: string): Promise<number> {
  const setKey = tenantBatchesKey(prefix, tenant);
  const ids = await redis.smembers(setKey);
  if (ids.length === 0) return 0;
  const rows = await Promise.all(
    ids.map((id) => redis.hmget(batchKeys(prefix, id).record, 'total', 'finished')),
  );
  let backlog = 0;
  const done: string[] = [];
  rows.forEach(([total, finished], index) => {
    const unfinished = Number(total ?? 0) - Number(finished ?? 0);
    if (total === null || unfinished <= 0) done.push(ids[index]!);
    else backlog += unfinished;
  });
  if (done.length > 0) await redis.srem(setKey, ...done);
  return backlog;
}
