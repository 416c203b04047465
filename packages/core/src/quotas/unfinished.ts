import { JOBS_QUEUE } from '../jobs/job-data.js';
import { hashTaggedPrefix } from '../keys.js';
import type { RedisClient } from '../redis.js';
import { defineQuotaCommands } from './scripts.js';

/** Sorted set of the ids of a tenant's jobs that have not finished (see scripts.ts). */
export const unfinishedKey = (prefix: string, tenant: string) =>
  `${hashTaggedPrefix(prefix)}:tenant:${tenant}:unfinished`;

export type Reservation =
  | { admitted: true }
  | { admitted: false; cap: number; unfinished: number; asked: number };

/**
 * Holds places for a submission's jobs under the tenant's cap of unfinished jobs, before they are
 * enqueued: all of them or none (a batch that would cross the cap is refused whole).
 */
export async function reserveUnfinished(
  redis: RedisClient,
  prefix: string,
  tenant: string,
  cap: number,
  ids: readonly string[],
): Promise<Reservation> {
  const [admitted, unfinished] = await defineQuotaCommands(redis).reserve(
    unfinishedKey(prefix, tenant),
    cap,
    ids,
  );
  return admitted === 1 ? { admitted: true } : { admitted: false, cap, unfinished, asked: ids.length };
}

/**
 * Gives the places of jobs that ended (completed, failed for good, cancelled) or were never
 * enqueued. Safe to call for any job and more than once: a job leaves the set once.
 */
export async function releaseUnfinished(
  redis: RedisClient,
  prefix: string,
  tenant: string,
  ids: readonly string[],
): Promise<void> {
  if (ids.length > 0) await redis.zrem(unfinishedKey(prefix, tenant), ...ids);
}

/** How many of the tenant's jobs hold a place now. */
export function countUnfinished(redis: RedisClient, prefix: string, tenant: string): Promise<number> {
  return redis.zcard(unfinishedKey(prefix, tenant));
}

/** A place older than this whose job is gone or finished was missed by every release: a leak. */
const SWEEP_AFTER_MS = 60_000;
/** A tenant's places are swept at most this often, however often it hits its cap. */
const SWEEP_EVERY_MS = 30_000;
const SWEEP_PAGE = 1000;

/**
 * Gives back places whose release was missed (a worker that died between finishing a job and
 * releasing it, Redis away at that moment): jobs that no longer exist or have finished, among
 * places taken over a minute ago (younger ones may belong to a submission still being enqueued).
 * Run when a tenant hits its cap, at most every 30 s per tenant. Returns how many it gave back.
 */
export async function sweepUnfinished(redis: RedisClient, prefix: string, tenant: string): Promise<number> {
  const key = unfinishedKey(prefix, tenant);
  if ((await redis.set(`${key}:swept`, '1', 'PX', SWEEP_EVERY_MS, 'NX')) === null) return 0;
  const [seconds, micros] = await redis.time();
  const before = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000) - SWEEP_AFTER_MS;
  const jobKey = (id: string) => `${hashTaggedPrefix(prefix)}:${JOBS_QUEUE}:${id}`;
  let released = 0;
  for (let offset = 0; ; offset += SWEEP_PAGE) {
    const ids = await redis.zrangebyscore(key, '-inf', before, 'LIMIT', offset, SWEEP_PAGE);
    if (ids.length === 0) break;
    const pipeline = redis.pipeline();
    for (const id of ids) pipeline.hmget(jobKey(id), 'timestamp', 'finishedOn');
    const rows = (await pipeline.exec()) ?? [];
    const stale = ids.filter((_, i) => {
      const [created, finished] = (rows[i]?.[1] as Array<string | null> | undefined) ?? [];
      return created === null || (finished !== null && finished !== undefined);
    });
    if (stale.length > 0) {
      released += await redis.zrem(key, ...stale);
      offset -= stale.length;
    }
    if (ids.length < SWEEP_PAGE) break;
  }
  return released;
}
