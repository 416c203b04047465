import { createAdapters, createLogger, createRedis, loadProviders, Pool } from '@spillway/core';
import { createSimulator } from '@spillway/simulator';
import { startWorker } from '@spillway/worker';
import { Queue } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import { drained, enqueuePlans, jobsQueue } from '../support/enqueue.js';
import { hasRedisServer, startPrivateRedis } from '../support/private-redis.js';
import { uniquePrefix } from '../support/tracked.js';

const minuteWindow = { ms: 2000, guardMs: 100 };

describe('when every instance is limited, jobs wait instead of failing', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  async function setup(redisUrl: string, prefix: string) {
    const sim = await createSimulator({
      models: { a: { dialect: 'groq' }, b: { dialect: 'openai' } },
      latencyMs: 5,
      minuteMs: minuteWindow.ms,
    });
    cleanup.push(() => sim.close());
    const { instances } = loadProviders({
      fileText: JSON.stringify({
        providers: [{ id: 'sim', type: 'simulated', baseUrl: sim.url, models: ['a', 'b'] }],
      }),
      env: {},
      simulatorUrl: sim.url,
    });
    const target = { url: redisUrl, cluster: false };
    const poolRedis = createRedis(target, `${prefix}:limiter`);
    cleanup.push(async () => {
      await poolRedis.quit();
    });
    const pool = new Pool({ redis: poolRedis, prefix, minuteWindow });
    const worker = await startWorker({
      redis: target,
      prefix,
      concurrency: 20,
      instances,
      adapterFor: createAdapters({ timeoutMs: 5000 }),
      logger: createLogger({ level: 'silent' }),
      minuteWindow,
    });
    cleanup.push(() => worker.close());
    return { sim, pool, instances };
  }

  it('holds every job while all instances are limited and completes them all once the limits expire', async () => {
    const { inject } = await import('vitest');
    const prefix = uniquePrefix('wait');
    const { sim, pool, instances } = await setup(inject('redisUrl'), prefix);
    const limitMs = 3000;
    for (const instance of instances) {
      await pool.markLimited(instance, {
        scope: 'instance',
        window: 'minute',
        retryAfterMs: limitMs,
        reason: 'test',
      });
    }
    const queue = jobsQueue(prefix);
    cleanup.push(() => queue.close());
    const started = Date.now();
    await enqueuePlans(queue, 200);

    await new Promise((r) => setTimeout(r, 1000));
    const accepted = () => Object.values(sim.stats()).reduce((n, s) => n + s.accepted, 0);
    expect(accepted()).toBe(0);
    expect((await queue.getJobCounts('failed')).failed).toBe(0);
    const waiting = await queue.getJob('job_load000000x');
    expect(waiting && (await waiting.getState())).not.toBe('failed');

    const counts = await drained(queue, 200, 20_000);
    expect(counts).toEqual({ completed: 200, failed: 0 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(limitMs - 100);
    expect(accepted()).toBe(200);
  }, 30_000);

  it.runIf(hasRedisServer())(
    'costs no Redis traffic per waiting job: commands per second stay flat from 100 to 10,000 waiting jobs',
    async () => {
      const redis = await startPrivateRedis();
      cleanup.push(() => redis.stop());
      const prefix = uniquePrefix('flat');
      const { pool, instances } = await setup(redis.url, prefix);
      for (const instance of instances) {
        await pool.markLimited(instance, {
          scope: 'instance',
          window: 'day',
          retryAfterMs: 120_000,
          reason: 'test',
        });
      }
      const queue = new Queue('jobs', {
        connection: { host: '127.0.0.1', port: redis.port, connectionName: `${prefix}:q` },
        prefix: `{${prefix}}`,
      });
      cleanup.push(() => queue.close());

      const rate = async () => {
        const before = await redis.commandsProcessed();
        await new Promise((r) => setTimeout(r, 3000));
        return ((await redis.commandsProcessed()) - before) / 3;
      };

      await enqueuePlans(queue as never, 100);
      await new Promise((r) => setTimeout(r, 1500));
      const at100 = await rate();
      const beforeAdding = await redis.commandsProcessed();
      await enqueuePlans(queue as never, 10_000, {}, 100);
      // The counter does see traffic: adding 10,000 jobs is at least one command each.
      expect((await redis.commandsProcessed()) - beforeAdding).toBeGreaterThanOrEqual(10_000);
      await new Promise((r) => setTimeout(r, 1500));
      const at10k = await rate();
      const counts = await queue.getJobCounts('wait', 'active', 'delayed', 'prioritized');
      expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(10_100);

      expect((await queue.getJobCounts('failed')).failed).toBe(0);
      // Flat: the worker's own upkeep (a blocking wait, lock renewal) and nothing per job.
      expect(at10k).toBeLessThanOrEqual(at100 * 1.5 + 5);
      console.log(
        `redis commands/s while waiting: 100 jobs ${at100.toFixed(1)}, 10,000 jobs ${at10k.toFixed(1)}`,
      );
    },
    60_000,
  );
});
