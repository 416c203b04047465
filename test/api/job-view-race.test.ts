import { hashTaggedPrefix, JOBS_QUEUE, type JobData, type JobResult } from '@spillway/core';
import { Job, Queue, Worker } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiContext } from '../../apps/api/src/context.js';
import { viewOf } from '../../apps/api/src/job-views.js';
import { planJob } from '../support/enqueue.js';
import { testRedis } from '../support/redis.js';
import { uniquePrefix } from '../support/tracked.js';

/**
 * Regression: a job read while running and then found "completed" by getState gave a view with no
 * result (and a failed one gave internal_error instead of its code). CI caught it under load.
 */
describe('a job view read while the job finishes', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  it('carries the result of a job that completed between reading it and reading its state', async () => {
    const prefix = uniquePrefix('race');
    const redis = testRedis(prefix);
    cleanup.push(() => redis.quit());
    const queue = new Queue<JobData, JobResult>(JOBS_QUEUE, {
      connection: redis,
      prefix: hashTaggedPrefix(prefix),
    });
    cleanup.push(() => queue.close());
    let finish!: () => void;
    const running = new Promise<void>((resolve) => {
      finish = resolve;
    });
    let started!: () => void;
    const active = new Promise<void>((resolve) => {
      started = resolve;
    });
    const worker = new Worker<JobData, JobResult>(
      JOBS_QUEUE,
      async () => {
        started();
        await running;
        return { result: { summary: 'done', items: [] }, attempts: [] } as unknown as JobResult;
      },
      { connection: testRedis(prefix, 'worker'), prefix: hashTaggedPrefix(prefix) },
    );
    cleanup.push(async () => {
      await worker.close();
      await (worker.opts.connection as ReturnType<typeof testRedis>).quit();
    });

    await queue.add('plan', planJob(0), { jobId: 'job_racecondition01' });
    await active;
    const stale = (await Job.fromId<JobData, JobResult>(queue, 'job_racecondition01'))!;
    finish();
    await expect.poll(() => stale.getState()).toBe('completed');

    const ctx = { queue, redis, prefix, clock: Date.now } as unknown as ApiContext;
    const view = await viewOf(ctx, stale);
    expect(view.status).toBe('completed');
    expect(view.result).toEqual({ summary: 'done', items: [] });
  });
});
