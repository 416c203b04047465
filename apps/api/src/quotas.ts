import { releaseUnfinished, reserveUnfinished, sweepUnfinished } from '@spillway/core';
import type { ApiContext } from './context.js';
import { ApiError } from './errors.js';

/**
 * A tenant with nothing to wait for but its own jobs finishing gets no better hint than this: soon
 * enough to see capacity come back, not so soon that a client loops on 429s.
 */
const QUOTA_RETRY_AFTER_SECONDS = 30;

/**
 * Enqueues a submission's jobs under its tenant's cap on unfinished jobs (API_KEYS' third field):
 * their places are held first, all or none, then `enqueue` runs; if it fails the places are given
 * back. Over the cap nothing is written and the client gets 429 with the numbers. A tenant without
 * a cap costs nothing here (the submission stays one round trip).
 */
export async function enqueueWithinQuota<T>(
  ctx: ApiContext,
  tenant: string,
  jobIds: readonly string[],
  enqueue: () => Promise<T>,
): Promise<T> {
  const cap = ctx.unfinishedCaps.get(tenant);
  if (cap === undefined) return enqueue();
  let reservation = await reserveUnfinished(ctx.redis, ctx.prefix, tenant, cap, jobIds);
  // At the cap: first give back any place whose release was missed, then ask once more.
  if (!reservation.admitted && (await sweepUnfinished(ctx.redis, ctx.prefix, tenant)) > 0) {
    reservation = await reserveUnfinished(ctx.redis, ctx.prefix, tenant, cap, jobIds);
  }
  if (!reservation.admitted) {
    const { unfinished, asked } = reservation;
    throw new ApiError(
      'quota_exceeded',
      `This submission adds ${asked} job(s) to ${unfinished} unfinished, over the tenant's cap of ${cap}; retry when some have finished.`,
      undefined,
      { 'retry-after': String(QUOTA_RETRY_AFTER_SECONDS) },
      { cap, unfinished, asked },
    );
  }
  try {
    return await enqueue();
  } catch (err) {
    await releaseUnfinished(ctx.redis, ctx.prefix, tenant, jobIds).catch(() => {});
    throw err;
  }
}
