import { batchKeys, type RedisClient, tenantBatchesKey } from '@spillway/core';

/**
 * Fairness between interactive jobs, and between tenants' batches.
 *
 * BullMQ runs jobs without a priority (its `wait` list) before any prioritized job, and prioritized
 * jobs lowest number first, FIFO within a number. So:
 * - interactive jobs (POST /v1/plans, /v1/coaching) carry no priority: they never queue behind a batch;
 * - batch item k of a tenant whose earlier batches still have `backlog` unfinished items gets
 *   priority 1 + floor((backlog + k) / PRIORITY_STEP).
 * Each tenant's backlog thus climbs the priorities in steps of PRIORITY_STEP items: a tenant that
 * submits 20 items behind another tenant's 2,000 gets priority 1 like the first 100 of those, and is
 * served after at most about PRIORITY_STEP of them, not after all of them. Tenants with big backlogs
 * interleave step by step.
 */
export const PRIORITY_STEP = 100;

/** BullMQ's highest priority number (2^21 - 1). */
const LOWEST_PRIORITY = 2_097_151;

export function batchItemPriority(backlog: number, index: number): number {
  return Math.min(LOWEST_PRIORITY, 1 + Math.floor((backlog + index) / PRIORITY_STEP));
}

/**
 * The tenant's unfinished batch items, summed from its batches' own counters (so it cannot drift
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
