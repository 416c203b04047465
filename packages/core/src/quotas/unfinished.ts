import { hashTaggedPrefix } from '../keys.js';
import type { RedisClient } from '../redis.js';
import { defineQuotaCommands } from './scripts.js';

/** Set of the ids of a tenant's jobs that have not finished (see scripts.ts). */
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
  if (ids.length > 0) await redis.srem(unfinishedKey(prefix, tenant), ...ids);
}

/** How many of the tenant's jobs hold a place now. */
export function countUnfinished(redis: RedisClient, prefix: string, tenant: string): Promise<number> {
  return redis.scard(unfinishedKey(prefix, tenant));
}
