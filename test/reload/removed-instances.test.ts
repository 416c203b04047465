import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  closeRedis,
  createAdapters,
  createLogger,
  type JobData,
  type JobResult,
  LiveProviders,
  loadProviders,
  readProvidersFile,
} from '@spillway/core';
import { createSimulator } from '@spillway/simulator';
import { startWorker } from '@spillway/worker';
import { Job } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import { jobsQueue, planJob } from '../support/enqueue.js';
import { redisUrl, testRedis } from '../support/redis.js';
import { uniquePrefix } from '../support/tracked.js';

const WINDOW = 1000;
const silent = createLogger({ level: 'silent' });

/**
 * What a reload does to jobs already waiting: they run on what the new version has (another
 * credential for their model), and a job no instance of the new version can serve fails with a
 * clear code instead of waiting forever.
 */
describe('jobs across a providers reload', () => {
  const cleanup: Array<() => Promise<unknown> | unknown> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  it('a job waiting for a removed credential runs on the one added; a job for a removed model fails capacity_exhausted', async () => {
    const sim = await createSimulator({
      models: { m1: { dialect: 'groq', rpm: 1000 }, m2: { dialect: 'groq', rpm: 1000 } },
      latencyMs: 5,
      minuteMs: WINDOW,
    });
    cleanup.push(() => sim.close());
    const dir = mkdtempSync(join(tmpdir(), 'spillway-reload-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'providers.json');
    const write = (providers: Array<{ id: string; models: Record<string, { rpm: number }> }>) =>
      writeFileSync(
        path,
        JSON.stringify({ providers: providers.map((p) => ({ ...p, type: 'simulated', baseUrl: sim.url })) }),
      );
    // One call per window on m1: of three jobs pinned to it, two wait.
    write([{ id: 'a', models: { m1: { rpm: 1 } } }]);

    const prefix = uniquePrefix('reload-jobs');
    const redis = testRedis(prefix, 'providers');
    const subscriber = testRedis(prefix, 'providers-sub');
    const text = await readProvidersFile(path);
    const live = await LiveProviders.start(
      {
        file: path,
        env: {},
        simulatorUrl: sim.url,
        redis,
        subscriber,
        prefix,
        logger: silent,
        role: 'worker',
      },
      { setup: loadProviders({ fileText: text, env: {}, simulatorUrl: sim.url }), text },
    );
    cleanup.push(async () => {
      await live.close();
      await closeRedis(subscriber);
      await closeRedis(redis);
    });
    const worker = await startWorker({
      redis: { url: redisUrl(), cluster: false },
      prefix,
      concurrency: 5,
      providers: live,
      adapterFor: createAdapters({ timeoutMs: 5000 }),
      logger: silent,
      minuteWindow: { ms: WINDOW, guardMs: 50 },
    });
    cleanup.push(() => worker.close());
    const queue = jobsQueue(prefix);
    cleanup.push(() => queue.close());
    const job = async (id: string) => (await Job.fromId<JobData, JobResult>(queue, id))!;
    const pinned = (model: string) => planJob(0, { model, fallback: 'same-model' });

    const ids = ['job_reload0000001', 'job_reload0000002', 'job_reload0000003'];
    for (const id of ids) await queue.add('plan', pinned('m1'), { jobId: id, attempts: 3 });
    await expect.poll(async () => (await job(ids[0]!)).finishedOn !== undefined).toBe(true);
    expect((await job(ids[1]!)).finishedOn).toBeUndefined();

    // Credential a goes, c comes with room to spare: the waiting jobs run there.
    write([{ id: 'c', models: { m1: { rpm: 100 } } }]);
    expect((await live.reload()).ok).toBe(true);
    for (const id of ids.slice(1)) {
      await expect.poll(async () => (await job(id)).finishedOn !== undefined, { timeout: 10_000 }).toBe(true);
      const done = await job(id);
      expect(await done.getState()).toBe('completed');
      expect(done.returnvalue.attempts?.at(-1)?.instance).toBe('c/m1');
    }

    // Model m1 goes altogether: a job pinned to it cannot ever run, and says so.
    write([{ id: 'b', models: { m2: { rpm: 100 } } }]);
    expect((await live.reload()).ok).toBe(true);
    await queue.add('plan', pinned('m1'), { jobId: 'job_reload0000004', attempts: 3 });
    await expect.poll(async () => (await job('job_reload0000004')).finishedOn !== undefined).toBe(true);
    const failed = await job('job_reload0000004');
    expect(await failed.getState()).toBe('failed');
    expect(failed.failedReason).toContain('capacity_exhausted');
  });
});
