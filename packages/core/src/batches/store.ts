import type { RedisClient } from '../redis.js';
import { BATCH_TTL_SECONDS, batchKeys, tenantBatchesKey } from './keys.js';
import { defineBatchCommands } from './scripts.js';
import { type BatchRecord, parseBatchRecord } from './view.js';

export type BatchItemOutcome = 'completed' | 'failed' | 'cancelled';

export interface NewBatch {
  id: string;
  tenant: string;
  createdAt: number;
  callbackUrl?: string;
  metadata?: Record<string, unknown>;
  /** `customId\tjobId` per item, in submission order (see batchEntry). */
  entries: readonly string[];
}

const LIST_CHUNK = 1000;

/**
 * Writes the batch record, its jobs list and its place in the tenant's set, in one MULTI, before
 * any job exists: a worker that finishes the first job at once must find the batch to count it in.
 * Returns the record as written, so the caller can answer without reading it back.
 */
export async function createBatchRecord(
  redis: RedisClient,
  prefix: string,
  batch: NewBatch,
): Promise<BatchRecord> {
  const keys = batchKeys(prefix, batch.id);
  const fields: Record<string, string | number> = {
    tenant: batch.tenant,
    total: batch.entries.length,
    createdAt: batch.createdAt,
    completed: 0,
    failed: 0,
    cancelled: 0,
    finished: 0,
  };
  if (batch.callbackUrl) fields.callbackUrl = batch.callbackUrl;
  if (batch.metadata) fields.metadata = JSON.stringify(batch.metadata);
  const multi = redis.multi().hset(keys.record, fields).expire(keys.record, BATCH_TTL_SECONDS);
  for (let i = 0; i < batch.entries.length; i += LIST_CHUNK) {
    multi.rpush(keys.jobs, ...batch.entries.slice(i, i + LIST_CHUNK));
  }
  const tenantKey = tenantBatchesKey(prefix, batch.tenant);
  await multi
    .expire(keys.jobs, BATCH_TTL_SECONDS)
    .sadd(tenantKey, batch.id)
    .expire(tenantKey, BATCH_TTL_SECONDS)
    .exec();
  const written = Object.fromEntries(Object.entries(fields).map(([name, value]) => [name, String(value)]));
  return parseBatchRecord(batch.id, written)!;
}

export async function readBatch(
  redis: RedisClient,
  prefix: string,
  batchId: string,
): Promise<BatchRecord | null> {
  return parseBatchRecord(batchId, await redis.hgetall(batchKeys(prefix, batchId).record));
}

/** Entries `start..stop` (inclusive, as LRANGE) of the batch's jobs list. */
export async function readBatchEntries(
  redis: RedisClient,
  prefix: string,
  batchId: string,
  start: number,
  stop: number,
): Promise<string[]> {
  return redis.lrange(batchKeys(prefix, batchId).jobs, start, stop);
}

/**
 * Counts one item as finished (once, however often it is reported). `batchFinished` is true for
 * exactly one call: the one that finished the batch's last item.
 */
export async function recordBatchItemFinished(
  redis: RedisClient,
  prefix: string,
  batchId: string,
  itemJobId: string,
  outcome: BatchItemOutcome,
  now: number,
): Promise<{ counted: boolean; batchFinished: boolean }> {
  const keys = batchKeys(prefix, batchId);
  const [counted, finished] = await defineBatchCommands(redis).finish(
    keys.record,
    keys.finished,
    itemJobId,
    outcome,
    now,
  );
  return { counted: counted === 1, batchFinished: finished === 1 };
}

/** Stamps startedAt the first time one of the batch's jobs starts. */
export async function markBatchStarted(
  redis: RedisClient,
  prefix: string,
  batchId: string,
  now: number,
): Promise<void> {
  await defineBatchCommands(redis).milestone(batchKeys(prefix, batchId).record, 'startedAt', now, false);
}

/** Stamps cancelledAt on an unfinished batch; false when it had finished (or was cancelled) already. */
export async function markBatchCancelled(
  redis: RedisClient,
  prefix: string,
  batchId: string,
  now: number,
): Promise<boolean> {
  const stamped = await defineBatchCommands(redis).milestone(
    batchKeys(prefix, batchId).record,
    'cancelledAt',
    now,
    true,
  );
  return stamped === 1;
}
