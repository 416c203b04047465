import { type BatchRecord, type BatchView, readBatch, toBatchView, waitingCount } from '@spillway/core';
import type { ApiContext } from '../context.js';
import { isBatchId } from './ids.js';

/** The tenant's batch, or null (another tenant's batch is the same as no batch: 404). */
export async function findBatch(ctx: ApiContext, tenant: string, id: string): Promise<BatchRecord | null> {
  if (!isBatchId(id)) return null;
  const record = await readBatch(ctx.redis, ctx.prefix, id);
  return record && record.tenant === tenant ? record : null;
}

export async function batchViewOf(ctx: ApiContext, record: BatchRecord): Promise<BatchView> {
  const finished = record.finished >= record.total;
  const waiting = finished ? 0 : await waitingCount(ctx.redis, ctx.prefix, record.id);
  return toBatchView(record, { waiting, now: ctx.clock() });
}
