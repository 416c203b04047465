import { setImmediate } from 'node:timers/promises';
import { type BatchItem, hashTaggedPrefix, JOBS_QUEUE, type JobData, type JobResult } from '@spillway/core';
import { FlowProducer, Queue } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import { enqueueBatch } from '../../apps/api/src/batches/enqueue.js';
import type { ApiContext } from '../../apps/api/src/context.js';
import { testRedis } from '../support/redis.js';
import { uniquePrefix } from '../support/tracked.js';

/**
 * A large batch goes to Redis a chunk at a time with the event loop getting a turn in between, so
 * Redis works on one chunk while the next is built (and finished chunks' answers are read), instead
 * of every chunk being built in one turn and Redis getting them only after the last.
 */
describe('enqueueing a large batch', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  it('gives the event loop a turn between its chunks, and enqueues every item in order', async () => {
    const prefix = uniquePrefix('batch-turns');
    const redis = testRedis(prefix);
    cleanup.push(() => redis.quit());
    const queue = new Queue<JobData, JobResult>(JOBS_QUEUE, {
      connection: redis,
      prefix: hashTaggedPrefix(prefix),
    });
    cleanup.push(() => queue.close());
    const flows = new FlowProducer({ connection: redis, prefix: hashTaggedPrefix(prefix) });
    cleanup.push(() => flows.close());
    const events: string[] = [];
    const addBulk = queue.addBulk.bind(queue);
    queue.addBulk = (jobs) => {
      // From the first chunk on: does the event loop get a turn before the last chunk is sent?
      if (events.length === 0) void setImmediate().then(() => events.push('event loop turn'));
      events.push(`chunk of ${jobs.length}`);
      return addBulk(jobs);
    };
    const ctx = {
      queue,
      flows,
      redis,
      prefix,
      clock: Date.now,
      models: new Set<string>(),
      coachingDefaults: { policy: 'same' },
      unfinishedCaps: new Map(),
    } as unknown as ApiContext;
    const items: BatchItem[] = Array.from({ length: 2500 }, (_, i) => ({
      customId: `item-${i}`,
      description: `Day ${i}`,
    }));

    const { ids } = await enqueueBatch(ctx, {
      batchId: 'batch_turns01',
      tenant: 't',
      items,
      options: {},
      backlog: 0,
    });

    expect(events).toContain('event loop turn');
    expect(events.indexOf('event loop turn')).toBeLessThan(events.lastIndexOf('chunk of 500'));
    expect(events.filter((e) => e.startsWith('chunk'))).toEqual([
      'chunk of 1000',
      'chunk of 1000',
      'chunk of 500',
    ]);
    const prioritized = await queue.getJobs(['prioritized'], 0, -1, true);
    expect(prioritized).toHaveLength(2500);
    // Redis saw the items in submission order: BullMQ numbers same-priority jobs as they arrive.
    const order = await redis.zrange(`${hashTaggedPrefix(prefix)}:${JOBS_QUEUE}:prioritized`, 0, -1);
    expect(order.slice(0, 3)).toEqual(ids.slice(0, 3));
    expect(order.slice(-3)).toEqual(ids.slice(-3));
  });
});
