import { createAdapters, createLogger, loadProviders, orderCandidates, Pool } from '@spillway/core';
import { createSimulator, type Simulator } from '@spillway/simulator';
import { type RunningWorker, startWorker } from '@spillway/worker';
import { afterEach, describe, expect, it } from 'vitest';
import { drained, enqueuePlans, jobsQueue } from '../support/enqueue.js';
import { redisUrl, testRedis } from '../support/redis.js';
import { uniquePrefix } from '../support/tracked.js';

/**
 * A key that runs all day near its limit: a day window of 20,000 calls, each reserved by its own
 * script call (the worst case for a window kept per entry: one entry each). The window must cost
 * what an empty one does, the choice must move to the free instance, and no job may fail. Its rpm
 * is known, and more than the day allows: the calls are never answered, and an instance whose rpm
 * nobody knows would take only two of them in flight (probing).
 */
const RPD = 20_000;

describe('a day window at scale', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  it('20,000 calls in one day window: the next choice moves to the free instance and every job completes', async () => {
    const sim: Simulator = await createSimulator({
      models: { 'day-a': { dialect: 'gemini' }, 'day-b': { dialect: 'gemini' } },
      latencyMs: 5,
    });
    cleanup.push(() => sim.close());
    const prefix = uniquePrefix('day20k');
    const { instances } = loadProviders({
      fileText: JSON.stringify({
        providers: [
          {
            id: 'sim',
            type: 'simulated',
            baseUrl: sim.url,
            models: { 'day-a': { rpm: 2 * RPD, rpd: RPD }, 'day-b': {} },
          },
        ],
      }),
      env: {},
      simulatorUrl: sim.url,
    });
    const dayA = instances.find((i) => i.model === 'day-a')!;
    const redis = testRedis(prefix);
    cleanup.push(async () => {
      await redis.quit();
    });
    const pool = new Pool({ redis, prefix });

    // Fill day-a's day window, one script call per call.
    for (let i = 0; i < RPD; i++) {
      const choice = await pool.choose(orderCandidates([dayA], null), 10);
      if (choice.kind !== 'reserved')
        throw new Error(`call ${i} was not reserved: ${JSON.stringify(choice)}`);
    }
    const [state] = await pool.snapshot([dayA]);
    expect(state!.windows.day.requests).toMatchObject({ limit: RPD, used: RPD });
    expect(await pool.choose(orderCandidates([dayA], null), 10)).toMatchObject({ kind: 'wait', blocked: 1 });
    const next = await pool.choose(orderCandidates(instances, dayA, { model: 'day-a', fallback: 'any' }), 10);
    expect(next.kind === 'reserved' && next.instance.id).toBe('sim/day-b');

    // Jobs that ask for day-a with fallback "any", through a real worker: all complete, on day-b.
    const worker: RunningWorker = await startWorker({
      redis: { url: redisUrl(), cluster: false },
      prefix,
      concurrency: 20,
      instances,
      adapterFor: createAdapters({ timeoutMs: 5000 }),
      logger: createLogger({ level: 'silent' }),
    });
    cleanup.push(() => worker.close());
    const queue = jobsQueue(prefix);
    cleanup.push(() => queue.close());
    const jobs = 100;
    await enqueuePlans(queue, jobs, { model: 'day-a', fallback: 'any' });
    expect(await drained(queue, jobs, 60_000)).toEqual({ completed: jobs, failed: 0 });
    expect(sim.stats()['day-a']?.accepted ?? 0).toBe(0);
    expect(sim.stats()['day-b']!.accepted).toBe(jobs);
  }, 120_000);
});
