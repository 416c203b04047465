import { type BatchRecord, type BatchView, readBatch, toBatchView } from '@spillway/core';
import type { ApiContext } from '../app.js';
import { isBatchId } from './ids.js';

/** As the worker's limiter.max (and job-views.ts): BullMQ reads the queue-wide rate limit against it. */
const LIMITER_MAX = 1_000_000;

/** The tenant's batch, or null (another tenant's batch is the same as no batch: 404). */
export async function findBatch(ctx: ApiContext, tenant: string, id: string): Promise<BatchRecord | null> {
  if (!isBatchId(id)) return null;
  const record = await readBatch(ctx.redis, ctx.prefix, id);
  return record && record.tenant === tenant ? record : null;
}

export async function batchViewOf(ctx: ApiContext, record: BatchRecord): Promise<BatchView> {
  const finished = record.finished >= record.total;
  const queueWaiting = !finished && (await ctx.queue.getRateLimitTtl(LIMITER_MAX)) > 0;
  return toBatchView(record, { queueWaiting });
}
