import { createAdapters, createLogger, loadProviders } from '@spillway/core';
import { createSimulator, maxInWindow } from '@spillway/simulator';
import { type RunningWorker, startWorker } from '@spillway/worker';
import { afterEach, describe, expect, it } from 'vitest';
import { drained, enqueuePlans, jobsQueue } from '../support/enqueue.js';
import { redisUrl } from '../support/redis.js';
import { uniquePrefix } from '../support/tracked.js';

/**
 * One clock: the pool's windows are dated by Redis, so workers whose own clocks disagree still
 * count one window. A "minute" lasts WINDOW ms here (pool and simulator alike).
 */
const WINDOW = 2000;
const RPM = 10;
const SKEW_MS = 5000;

describe('clock skew between workers', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  it('two workers whose clocks differ by 5 s never push the provider past its limit in any window', async () => {
    const sim = await createSimulator({
      models: { m: { rpm: RPM, dialect: 'groq' } },
      latencyMs: 20,
      minuteMs: WINDOW,
    });
    cleanup.push(() => sim.close());
    const prefix = uniquePrefix('skew');
    const { instances } = loadProviders({
      fileText: JSON.stringify({
        providers: [{ id: 'sim', type: 'simulated', baseUrl: sim.url, models: { m: { rpm: RPM } } }],
      }),
      env: {},
      simulatorUrl: sim.url,
    });
    const workers: RunningWorker[] = [];
    for (const offset of [0, SKEW_MS]) {
      workers.push(
        await startWorker({
          redis: { url: redisUrl(), cluster: false },
          prefix,
          concurrency: 20,
          instances,
          adapterFor: createAdapters({ timeoutMs: 10_000 }),
          logger: createLogger({ level: 'silent' }),
          minuteWindow: { ms: WINDOW, guardMs: 100 },
          clock: () => Date.now() + offset,
        }),
      );
    }
    cleanup.push(async () => {
      await Promise.all(workers.map((w) => w.close()));
    });
    const queue = jobsQueue(prefix);
    cleanup.push(() => queue.close());

    const jobs = 60;
    await enqueuePlans(queue, jobs);
    expect(await drained(queue, jobs, 60_000)).toEqual({ completed: jobs, failed: 0 });
    const stats = sim.stats().m!;
    expect(stats.accepted).toBe(jobs);
    expect(maxInWindow(stats.acceptedAt, WINDOW)).toBeLessThanOrEqual(RPM);
    expect(stats.rateLimited).toBe(0);
  }, 90_000);
});
