import type { ChildProcess } from 'node:child_process';
import { createSimulator, maxInWindow, type Simulator } from '@spillway/simulator';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../support/private-redis.js';
import { spawnReady, stopProcess } from '../support/processes.js';
import { redisUrl } from '../support/redis.js';
import { uniquePrefix } from '../support/tracked.js';

/**
 * Scale-out as DESIGN.md describes it: two API replicas and three workers, separate processes
 * sharing one Redis and one model with a known rpm. A "minute" lasts WINDOW ms in the pool and in
 * the simulator alike (the production algorithm, a shorter clock).
 */
const WINDOW = 2000;
const RPM = 15;
const API_KEY = 'sk-test-replicas-0123456789abcdef';

describe('many replicas', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  it('two APIs and three workers: every job completes once and no window goes over the rpm at the provider', async () => {
    const sim: Simulator = await createSimulator({
      models: { m: { dialect: 'groq', rpm: RPM } },
      latencyMs: 20,
      minuteMs: WINDOW,
    });
    cleanup.push(() => sim.close());
    const prefix = uniquePrefix('replicas');
    const providers = {
      providers: [{ id: 'sim', type: 'simulated', baseUrl: sim.url, models: { m: { rpm: RPM } } }],
    };
    const processes: ChildProcess[] = [];
    cleanup.push(() => Promise.all(processes.map((p) => stopProcess(p))));

    const apis: string[] = [];
    const starting: Array<Promise<ChildProcess>> = [];
    for (let i = 0; i < 2; i++) {
      const port = await freePort();
      apis.push(`http://127.0.0.1:${port}`);
      starting.push(
        spawnReady('test/support/api-process.ts', {
          SPILLWAY_TEST_API: JSON.stringify({
            redisUrl: redisUrl(),
            prefix,
            providers,
            simulatorUrl: sim.url,
            port,
            apiKey: API_KEY,
          }),
        }),
      );
    }
    for (let i = 0; i < 3; i++) {
      starting.push(
        spawnReady('test/support/worker-process.ts', {
          SPILLWAY_TEST_WORKER: JSON.stringify({
            redisUrl: redisUrl(),
            prefix,
            providers,
            simulatorUrl: sim.url,
            concurrency: 10,
            minuteWindow: { ms: WINDOW, guardMs: 100 },
          }),
        }),
      );
    }
    processes.push(...(await Promise.all(starting)));

    const call = (api: string, method: string, path: string, body?: unknown) =>
      fetch(`${api}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${API_KEY}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });

    // Submitted through both replicas in turn.
    const jobs = 3 * RPM;
    const ids = await Promise.all(
      Array.from({ length: jobs }, async (_, i) => {
        const response = await call(apis[i % 2]!, 'POST', '/v1/plans', {
          description: `Day ${i}: write, gym`,
        });
        expect(response.status).toBe(202);
        return ((await response.json()) as { id: string }).id;
      }),
    );
    expect(new Set(ids).size).toBe(jobs);

    // Read back through the other replica than the one that took the job.
    const statuses = await Promise.all(
      ids.map(async (id, i) => {
        const deadline = Date.now() + 30_000;
        for (;;) {
          const view = (await (await call(apis[(i + 1) % 2]!, 'GET', `/v1/jobs/${id}?wait=10`)).json()) as {
            status: string;
          };
          if (['completed', 'failed', 'cancelled'].includes(view.status)) return view.status;
          if (Date.now() > deadline) throw new Error(`job ${id} still ${view.status}`);
        }
      }),
    );
    expect(statuses).toEqual(ids.map(() => 'completed'));
    const stats = sim.stats().m!;
    expect(stats.accepted).toBe(jobs);
    expect(maxInWindow(stats.acceptedAt, WINDOW)).toBeLessThanOrEqual(RPM);
    expect(stats.rateLimited).toBeLessThanOrEqual(1);
  }, 60_000);
});
