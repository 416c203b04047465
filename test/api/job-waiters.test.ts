import { setTimeout as sleep } from 'node:timers/promises';
import { hashTaggedPrefix, JOBS_QUEUE, type RedisClient } from '@spillway/core';
import { Queue } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import { JobWaiters } from '../../apps/api/src/job-waiters.js';
import { testRedis } from '../support/redis.js';
import { uniquePrefix } from '../support/tracked.js';

/**
 * The long-poll reader runs only while someone waits: it starts on the first waiter, from the
 * stream's last entry as it was before that waiter looked at its job, and stops once idle.
 */
describe('long-poll waiters', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  async function setup(idleMs?: number) {
    const prefix = uniquePrefix('waiters');
    const redis = testRedis(prefix);
    cleanup.push(() => redis.quit());
    const queue = new Queue(JOBS_QUEUE, { connection: redis, prefix: hashTaggedPrefix(prefix) });
    cleanup.push(() => queue.close());
    const eventsKey = queue.toKey('events');
    const waiters = new JobWaiters({ redis, prefix: hashTaggedPrefix(prefix), eventsKey, idleMs });
    cleanup.push(() => waiters.close());
    // What BullMQ writes when a job completes.
    const complete = (jobId: string) =>
      redis.xadd(eventsKey, '*', 'event', 'completed', 'jobId', jobId, 'returnvalue', 'null');
    return { prefix, redis, waiters, complete };
  }

  /** The event reader's connections (BullMQ names them `<prefix>:<queue>:qe`). */
  async function readers(redis: RedisClient, prefix: string): Promise<number> {
    const list = (await redis.client('LIST')) as string;
    return list.split('\n').filter((line) => line.includes(prefix) && /name=\S*:qe\b/.test(line)).length;
  }

  it('wake on a job that finished right after its check, before the new reader read anything', async () => {
    const { waiters, complete } = await setup();
    await complete('job_before'); // history the reader must start after
    const outcome = await Promise.race([
      waiters
        .wait('job_a', 20_000, async () => {
          // The check saw it running; it completes at once, before the reader's first XREAD lands.
          await complete('job_a');
          return true;
        })
        .then(() => 'woken'),
      sleep(10_000).then(() => 'still waiting'),
    ]);
    expect(outcome).toBe('woken');
  });

  it('read no events while nobody waits, and stop reading once the last waiter is gone', async () => {
    const { prefix, redis, waiters, complete } = await setup(200);
    await complete('job_unwatched');
    expect(await readers(redis, prefix)).toBe(0);
    const waiting = waiters.wait('job_b', 20_000, async () => true);
    await expect.poll(() => readers(redis, prefix)).toBe(1);
    await complete('job_b');
    await waiting;
    await expect.poll(() => readers(redis, prefix), { timeout: 5000 }).toBe(0);
    // A later waiter starts a new reader, and is woken too.
    const again = waiters.wait('job_c', 20_000, async () => true);
    await expect.poll(() => readers(redis, prefix)).toBe(1);
    await complete('job_c');
    await again;
  });
});
