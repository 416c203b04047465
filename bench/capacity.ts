import {
  createAdapters,
  createLogger,
  hashTaggedPrefix,
  interactivePriority,
  JOBS_QUEUE,
  loadProviders,
} from '@spillway/core';
import { createSimulator, type Dialect } from '@spillway/simulator';
import { type RunningWorker, startWorker } from '@spillway/worker';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { benchPrefix, REDIS_URL, removeKeys } from './support.js';

const DIALECTS: Dialect[] = ['groq', 'openai', 'gemini', 'cerebras', 'anthropic'];

/**
 * Ten simulated models of mixed dialects, 400 jobs, two workers. The "minute" lasts `windowMs`
 * in both the simulator and the pool (the same algorithm, shortened so the run takes seconds).
 * known: the providers file states the limits; unknown: Spillway learns them from 429s.
 */
export async function benchCapacity(mode: 'known' | 'unknown', jobs = 400, windowMs = 3000, rpm = 10) {
  const models = Object.fromEntries(
    Array.from({ length: 10 }, (_, i) => [`m${i}`, { rpm, dialect: DIALECTS[i % DIALECTS.length]! }]),
  );
  const sim = await createSimulator({ models, latencyMs: 20, minuteMs: windowMs });
  const name = benchPrefix(`cap-${mode}`);
  const declared =
    mode === 'known' ? Object.fromEntries(Object.keys(models).map((m) => [m, { rpm }])) : Object.keys(models);
  const { instances } = loadProviders({
    fileText: JSON.stringify({
      providers: [{ id: 'sim', type: 'simulated', baseUrl: sim.url, models: declared }],
    }),
    env: {},
    simulatorUrl: sim.url,
  });
  const workers: RunningWorker[] = [];
  for (let i = 0; i < 2; i++) {
    workers.push(
      await startWorker({
        redis: { url: REDIS_URL, cluster: false },
        prefix: name,
        concurrency: 50,
        instances,
        adapterFor: createAdapters({ timeoutMs: 10_000 }),
        logger: createLogger({ level: 'silent' }),
        minuteWindow: { ms: windowMs, guardMs: 100 },
      }),
    );
  }
  const queue = new Queue(JOBS_QUEUE, {
    connection: new Redis(REDIS_URL, { maxRetriesPerRequest: null }),
    prefix: hashTaggedPrefix(name),
  });
  const started = performance.now();
  const now = Date.now();
  await queue.addBulk(
    Array.from({ length: jobs }, (_, i) => ({
      name: 'plan',
      data: {
        kind: 'plan',
        tenant: 'bench',
        createdAt: now,
        deadlineAt: now + 600_000,
        plan: { description: `Day ${i}: report, gym` },
      },
      // As the API adds them: every job on the priority ladder (packages/core/src/jobs/priority.ts).
      opts: { attempts: 4, priority: interactivePriority() },
    })),
  );
  let counts: Record<string, number> = {};
  for (;;) {
    counts = await queue.getJobCounts('completed', 'failed');
    if ((counts.completed ?? 0) + (counts.failed ?? 0) >= jobs) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const elapsedMs = performance.now() - started;
  const stats = Object.values(sim.stats());
  const upstream429 = stats.reduce((n, s) => n + s.rateLimited, 0);
  await Promise.all(workers.map((w) => w.close()));
  await queue.close();
  await sim.close();
  await removeKeys(REDIS_URL, name);
  // The limits allow 10 models × rpm calls per window: jobs / that many windows is the bound.
  const boundMs = (jobs / (10 * rpm)) * windowMs;
  return {
    mode,
    jobs,
    completed: counts.completed ?? 0,
    failed: counts.failed ?? 0,
    upstream429,
    upstream429PerJob: Math.round((upstream429 / jobs) * 1000) / 1000,
    elapsedMs: Math.round(elapsedMs),
    boundMs,
    timeVsBound: Math.round((elapsedMs / boundMs) * 100) / 100,
    windowMs,
  };
}
