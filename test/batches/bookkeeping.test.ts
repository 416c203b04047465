import {
  batchEntry,
  batchKeys,
  closeRedis,
  createBatchRecord,
  type JobData,
  type JobResult,
  markBatchCancelled,
  readBatch,
  recordBatchItemFinished,
  toBatchView,
} from '@spillway/core';
import type { Job } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import { itemEndedBy } from '../../apps/worker/src/batches/bookkeeping.js';
import { testRedis } from '../support/redis.js';
import { uniquePrefix } from '../support/tracked.js';

const T0 = Date.UTC(2026, 10, 23, 9, 0, 0);

describe('batch counters in Redis', () => {
  const closing: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const close of closing.splice(0)) await close();
  });

  async function batchOf(ids: string[]) {
    const prefix = uniquePrefix('batchcount');
    const redis = testRedis(prefix);
    closing.push(() => closeRedis(redis));
    await createBatchRecord(redis, prefix, {
      id: 'batch_test0000',
      tenant: 'acme',
      createdAt: T0,
      entries: ids.map((id, i) => batchEntry(`c-${i}`, id)),
    });
    return { redis, prefix };
  }

  it('counts an item once however often and however concurrently its end is reported', async () => {
    const { redis, prefix } = await batchOf(['job_a', 'job_b', 'job_c']);
    const report = (item: string, outcome: 'completed' | 'failed') =>
      recordBatchItemFinished(redis, prefix, 'batch_test0000', item, outcome, T0 + 1000);
    const first = await Promise.all(Array.from({ length: 10 }, () => report('job_a', 'completed')));
    expect(first.filter((r) => r.counted)).toHaveLength(1);

    const rest = await Promise.all([
      ...Array.from({ length: 10 }, () => report('job_b', 'failed')),
      ...Array.from({ length: 10 }, () => report('job_c', 'completed')),
    ]);
    expect(rest.filter((r) => r.counted)).toHaveLength(2);
    // Exactly one report learns that it finished the batch: the one that sends batch.completed.
    expect(rest.filter((r) => r.batchFinished)).toHaveLength(1);

    const record = await readBatch(redis, prefix, 'batch_test0000');
    expect(toBatchView(record!)).toEqual({
      id: 'batch_test0000',
      status: 'completed',
      createdAt: new Date(T0).toISOString(),
      finishedAt: new Date(T0 + 1000).toISOString(),
      total: 3,
      counts: { queued: 0, completed: 2, failed: 1, cancelled: 0 },
    });
    // A finished batch cannot be cancelled any more.
    expect(await markBatchCancelled(redis, prefix, 'batch_test0000', T0 + 2000)).toBe(false);
  });

  it('ignores reports for a batch that is gone, without recreating its keys', async () => {
    const { redis, prefix } = await batchOf(['job_a']);
    const result = await recordBatchItemFinished(redis, prefix, 'batch_gone0000', 'job_a', 'completed', T0);
    expect(result).toEqual({ counted: false, batchFinished: false });
    expect(await redis.exists(batchKeys(prefix, 'batch_gone0000').record)).toBe(0);
    expect(await redis.exists(batchKeys(prefix, 'batch_gone0000').finished)).toBe(0);
  });
});

describe('which job ends a batch item', () => {
  const job = (id: string, data: Partial<JobData>) =>
    ({ id, data: { tenant: 'acme', createdAt: 0, deadlineAt: 0, ...data } }) as Job<JobData, JobResult>;

  it('is the plan job alone, or the coaching job for an item with coaching, unless its plan fails', () => {
    expect(itemEndedBy(job('job_p', { kind: 'plan' }), 'completed')).toBeNull();
    expect(itemEndedBy(job('job_p', { kind: 'plan', batchId: 'b' }), 'completed')).toBe('job_p');
    const chained = job('job_p', { kind: 'plan', batchId: 'b', coachingJobId: 'job_c' });
    expect(itemEndedBy(chained, 'completed')).toBeNull();
    expect(itemEndedBy(chained, 'failed')).toBe('job_p');
    const coaching = job('job_c', {
      kind: 'coaching',
      batchId: 'b',
      coaching: { planJobId: 'job_p', policy: { policy: 'same' } },
    });
    expect(itemEndedBy(coaching, 'completed')).toBe('job_p');
    expect(itemEndedBy(coaching, 'failed')).toBe('job_p');
  });
});
