import {
  closeRedis,
  createAdapters,
  createLogger,
  createRedis,
  loadProviders,
  waitingCount,
} from '@spillway/core';
import { createSimulator } from '@spillway/simulator';
import { startWorker } from '@spillway/worker';
import { afterEach, describe, expect, it } from 'vitest';
import { startApiServer } from '../support/api-server.js';
import { exited, type FaultRig, startFaultRig } from '../support/fault-rig.js';
import { hasRedisServer, startPrivateRedis } from '../support/private-redis.js';
import { testRedis } from '../support/redis.js';
import { uniquePrefix } from '../support/tracked.js';

/** A "minute" of 1 s, and a model the pool knows takes 2 calls a minute: most jobs park. */
const minuteWindow = { ms: 1000, guardMs: 50 };
const STALLED = { lockDurationMs: 1500, stalledIntervalMs: 500 };
const providers = {
  providers: [{ id: 'sim', type: 'simulated', baseUrl: '{{sim}}', models: { m: { rpm: 2 } } }],
};

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`never: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('parked jobs survive the worker and Redis going down (nothing lost, none parked forever)', () => {
  let rig: FaultRig | undefined;
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
    await rig?.close();
    rig = undefined;
  });

  for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
    it(`${signal} of a worker while jobs are parked and being released: another worker finishes every one and no line is left`, async () => {
      rig = await startFaultRig({ label: `parked-${signal}`, providers, minuteMs: minuteWindow.ms });
      const redis = testRedis(rig.prefix, 'parked');
      cleanup.push(() => closeRedis(redis));
      const doomed = await rig.startWorker({ concurrency: 4, stalled: STALLED, minuteWindow });
      const ids: string[] = [];
      for (let i = 0; i < 10; i++) ids.push(await rig.submit());
      // Jobs parked, one run, and a release chain under way: then the worker goes.
      await until('jobs parked and some run', async () => {
        const counts = await rig!.api.request('GET', `/v1/jobs/${ids[0]}`).then((r) => r.json());
        return (
          (await waitingCount(redis, rig!.prefix)) >= 6 &&
          (counts as { status: string }).status === 'completed'
        );
      });
      await new Promise((r) => setTimeout(r, 400));
      doomed.kill(signal);
      expect(await exited(doomed)).toBe(signal === 'SIGKILL' ? 'SIGKILL' : 0);
      await rig.startWorker({ concurrency: 4, stalled: STALLED, minuteWindow });

      const views = await Promise.all(ids.map((id) => rig!.finished(id, 30_000)));
      expect(views.map((v) => v.status)).toEqual(ids.map(() => 'completed'));
      expect(await waitingCount(redis, rig.prefix)).toBe(0);
      expect(await redis.zcard(`{${rig.prefix}}:wait:wakes`)).toBe(0);
    }, 60_000);
  }

  it.runIf(hasRedisServer())(
    'a Redis restart (AOF) while jobs are parked loses none: every job completes once Redis is back',
    async () => {
      const server = await startPrivateRedis(['--appendonly', 'yes', '--appendfsync', 'always']);
      cleanup.push(() => server.stop());
      // Runs first: whatever state a failed test left Redis in, everything can close against it.
      const sim = await createSimulator({ models: { m: { dialect: 'groq' } }, latencyMs: 5 });
      cleanup.push(() => sim.close());
      cleanup.push(() => server.restart());
      const prefix = uniquePrefix('parked-aof');
      const target = { url: server.url, cluster: false };
      const file = JSON.parse(JSON.stringify(providers).replaceAll('{{sim}}', sim.url)) as unknown;
      const api = await startApiServer({ redis: target, prefix, providers: file, simulatorUrl: sim.url });
      cleanup.push(() => api.close());
      const { instances } = loadProviders({ fileText: JSON.stringify(file), env: {}, simulatorUrl: sim.url });
      const worker = await startWorker({
        redis: target,
        prefix,
        concurrency: 4,
        instances,
        adapterFor: createAdapters({ timeoutMs: 5000 }),
        logger: createLogger({ level: 'silent' }),
        minuteWindow,
        waiting: { checkMs: 500 },
      });
      cleanup.push(() => worker.close());
      const reader = createRedis(target, `${prefix}:reader`);
      reader.on('error', () => {}); // Redis is killed on purpose below
      cleanup.push(() => closeRedis(reader));

      const ids: string[] = [];
      for (let i = 0; i < 8; i++) {
        const response = await api.request('POST', '/v1/plans', { description: 'Write, lunch, gym' });
        expect(response.status).toBe(202);
        ids.push(((await response.json()) as { id: string }).id);
      }
      await until('jobs parked', async () => (await waitingCount(reader, prefix)) >= 4);
      await server.kill();
      await new Promise((r) => setTimeout(r, 500));
      await server.restart();

      const deadline = Date.now() + 30_000;
      const statuses = new Map<string, string>();
      while (statuses.size < ids.length) {
        if (Date.now() > deadline) throw new Error(`finished ${statuses.size} of ${ids.length}`);
        for (const id of ids) {
          if (statuses.has(id)) continue;
          const response = await api.request('GET', `/v1/jobs/${id}`);
          if (response.status !== 200) {
            await response.body?.cancel();
            continue;
          }
          const view = (await response.json()) as { status: string };
          if (['completed', 'failed', 'cancelled'].includes(view.status)) statuses.set(id, view.status);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      expect([...statuses.values()]).toEqual(ids.map(() => 'completed'));
      expect(await waitingCount(reader, prefix)).toBe(0);
    },
    60_000,
  );
});
