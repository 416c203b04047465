import {
  closeRedis,
  createAdapters,
  createLogger,
  createRedis,
  hashTaggedPrefix,
  JOBS_QUEUE,
  type JobData,
  type JobResult,
  loadProviders,
} from '@spillway/core';
import { createSimulator } from '@spillway/simulator';
import { startWorker } from '@spillway/worker';
import { Queue } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import { startApiServer } from '../support/api-server.js';
import { hasRedisServer, startPrivateRedis } from '../support/private-redis.js';
import { uniquePrefix } from '../support/tracked.js';

/**
 * Redis is the one dependency everything shares. These tests stop a redis-server of their own
 * (never the suite's shared one) with SIGKILL, as a crash would, and start it again.
 */
const TERMINAL = ['completed', 'failed', 'cancelled'];

const runnable = hasRedisServer();
describe.skipIf(!runnable)(
  `Redis down and back${runnable ? '' : ' (SKIPPED: needs redis-server on PATH)'}`,
  () => {
    const cleanup: Array<() => Promise<unknown>> = [];
    afterEach(async () => {
      for (const step of cleanup.splice(0).reverse()) await step();
    });

    async function system(options: { worker: boolean; latencyMs?: number; fsync?: string }) {
      const redis = await startPrivateRedis([
        '--appendonly',
        'yes',
        '--appendfsync',
        options.fsync ?? 'always',
      ]);
      cleanup.push(() => redis.stop());
      const sim = await createSimulator({
        models: { m: { dialect: 'groq' } },
        latencyMs: options.latencyMs ?? 5,
      });
      cleanup.push(() => sim.close());
      const prefix = uniquePrefix('outage');
      // Runs first: whatever state a failed test left Redis in, everything can close against it.
      cleanup.push(() => redis.restart());
      const target = { url: redis.url, cluster: false };
      const providers = { providers: [{ id: 'sim', type: 'simulated', baseUrl: sim.url, models: ['m'] }] };
      const api = await startApiServer({ redis: target, prefix, providers, simulatorUrl: sim.url });
      cleanup.push(() => api.close());
      const startJobsWorker = async () => {
        const { instances } = loadProviders({
          fileText: JSON.stringify(providers),
          env: {},
          simulatorUrl: sim.url,
        });
        const worker = await startWorker({
          redis: target,
          prefix,
          concurrency: 2,
          instances,
          adapterFor: createAdapters({ timeoutMs: 5000 }),
          logger: createLogger({ level: 'silent' }),
        });
        cleanup.push(() => worker.close());
        return worker;
      };
      if (options.worker) await startJobsWorker();
      return { redis, sim, api, prefix, startJobsWorker };
    }

    async function submit(api: { request: (m: string, p: string, b?: unknown) => Promise<Response> }) {
      return api.request('POST', '/v1/plans', { description: 'Write the report, lunch, gym at six' });
    }

    /**
     * The answer comes while Redis is still down (it is restarted only afterwards): an API that held
     * the request until Redis returned would never answer here, and the test would time out.
     */
    async function expectUnavailable(run: () => Promise<Response>) {
      const response = await run();
      const body = (await response.json()) as Record<string, unknown>;
      expect(response.status).toBe(503);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(body).toMatchObject({ status: 503, code: 'service_unavailable' });
    }

    async function waitForStatus(
      api: { request: (m: string, p: string) => Promise<Response> },
      id: string,
      timeoutMs: number,
    ) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const response = await api.request('GET', `/v1/jobs/${id}?wait=2`);
        if (response.status === 200) {
          const view = (await response.json()) as { status: string };
          if (TERMINAL.includes(view.status)) return view.status;
        } else {
          await response.body?.cancel();
        }
        if (Date.now() > deadline) throw new Error(`job ${id} not finished in ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }

    it('answers 503 problem+json with Retry-After at once while Redis is away, recovers by itself, and the worker finishes every job', async () => {
      const { redis, api } = await system({ worker: true, latencyMs: 150 });
      const ids: string[] = [];
      for (let i = 0; i < 6; i++) {
        const response = await submit(api);
        expect(response.status).toBe(202);
        ids.push(((await response.json()) as { id: string }).id);
      }

      // Jobs are in flight at the provider and queued behind them when Redis dies.
      await redis.kill();
      await expectUnavailable(() => api.request('GET', '/readyz'));
      await expectUnavailable(() => submit(api));
      await expectUnavailable(() => api.request('GET', `/v1/jobs/${ids[0]}`));
      expect((await api.request('GET', '/healthz')).status).toBe(200);

      await redis.restart();
      const deadline = Date.now() + 10_000;
      while ((await api.request('GET', '/readyz')).status !== 200) {
        if (Date.now() > deadline) throw new Error('the API did not become ready again');
        await new Promise((r) => setTimeout(r, 100));
      }
      const after = await submit(api);
      expect(after.status).toBe(202);
      ids.push(((await after.json()) as { id: string }).id);

      for (const id of ids) expect(await waitForStatus(api, id, 20_000)).toBe('completed');
    }, 40_000);

    it('shuts down promptly while Redis is away, instead of waiting for it to return', async () => {
      const { redis, api } = await system({ worker: false });
      expect((await submit(api)).status).toBe(202);
      await redis.kill();
      // Long enough for every connection to be between reconnection attempts.
      await new Promise((r) => setTimeout(r, 300));
      // Redis stays down: a close that waited for it would never return, and the test would time out.
      await api.close();
    });

    // `always` fsyncs before each reply. `everysec` (docker-compose.yml) writes to the OS before each
    // reply and fsyncs once a second: a killed Redis process loses nothing acknowledged either; only a
    // machine crash could lose the last second (not something a test on one machine can show).
    it.each([
      'always',
      'everysec',
    ])('keeps every job it answered 202 for through a Redis SIGKILL (appendfsync %s)', async (fsync) => {
      const { redis, api, prefix, startJobsWorker } = await system({ worker: false, fsync });
      const accepted: string[] = [];
      let stop = false;
      // Four clients submit as fast as they can; Redis dies under them once 40 jobs are accepted.
      const client = async () => {
        while (!stop) {
          try {
            const response = await submit(api);
            if (response.status === 202) accepted.push(((await response.json()) as { id: string }).id);
            else await response.body?.cancel();
          } catch {
            // The API itself stays up; a refused request is simply not accepted.
          }
        }
      };
      const clients = Array.from({ length: 4 }, client);
      while (accepted.length < 40) await new Promise((r) => setTimeout(r, 5));
      await redis.kill();
      await new Promise((r) => setTimeout(r, 200));
      stop = true;
      await Promise.all(clients);
      await redis.restart();

      const inspect = createRedis({ url: redis.url, cluster: false }, `${prefix}:inspect`);
      const queue = new Queue<JobData, JobResult>(JOBS_QUEUE, {
        connection: inspect,
        prefix: hashTaggedPrefix(prefix),
      });
      cleanup.push(async () => {
        await queue.close();
        await closeRedis(inspect);
      });
      const missing: string[] = [];
      for (const id of accepted) if (!(await queue.getJob(id))) missing.push(id);
      expect(missing).toEqual([]);

      await startJobsWorker();
      for (const id of accepted) expect(await waitForStatus(api, id, 20_000)).toBe('completed');
    }, 60_000);
  },
);
