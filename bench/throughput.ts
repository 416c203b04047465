import { createLogger, hashTaggedPrefix, JOBS_QUEUE, loadProviders } from '@spillway/core';
import { startWorker } from '@spillway/worker';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { benchPrefix, instantAdapter, REDIS_URL, removeKeys } from './support.js';

const connection = () => new Redis(REDIS_URL, { maxRetriesPerRequest: null });

function planData(i: number) {
  const now = Date.now();
  return {
    kind: 'plan' as const,
    tenant: 'bench',
    createdAt: now,
    deadlineAt: now + 3_600_000,
    plan: { description: `Day ${i}: write the report, email, gym at noon` },
  };
}

async function fill(queue: Queue, jobs: number) {
  for (let i = 0; i < jobs; i += 1000) {
    await queue.addBulk(
      Array.from({ length: Math.min(1000, jobs - i) }, (_, k) => ({
        name: 'plan',
        data: planData(i + k),
        opts: { attempts: 4, removeOnComplete: { age: 3600 } },
      })),
    );
  }
}

/** Resolves with the moment `count` jobs have completed. */
async function untilCompleted(queue: Queue, count: number): Promise<number> {
  for (;;) {
    const { completed = 0, failed = 0 } = await queue.getJobCounts('completed', 'failed');
    if (failed > 0) throw new Error(`bench: ${failed} jobs failed`);
    if (completed >= count) return performance.now();
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * Jobs per second in the steady state: the first WARM_UP jobs of a run start the worker, its
 * connections and the JIT, and are not timed (for either system).
 */
const WARM_UP = 2000;

async function timed(queue: Queue, jobs: number): Promise<number> {
  const from = await untilCompleted(queue, WARM_UP);
  const to = await untilCompleted(queue, WARM_UP + jobs);
  return jobs / ((to - from) / 1000);
}

/** Raw BullMQ: a worker that does nothing, the ceiling any queue-based system stays under. */
async function rawBullmq(jobs: number, concurrency: number): Promise<number> {
  const prefix = hashTaggedPrefix(benchPrefix('raw'));
  const queue = new Queue(JOBS_QUEUE, { connection: connection(), prefix });
  await fill(queue, WARM_UP + jobs);
  const worker = new Worker(JOBS_QUEUE, async () => ({ ok: true }), {
    connection: connection(),
    prefix,
    concurrency,
  });
  const rate = await timed(queue, jobs);
  await worker.close();
  await queue.close();
  await removeKeys(REDIS_URL, prefix);
  return rate;
}

/** Spillway: choice + reservation, the (instant) provider call, validation, settlement, attempts. */
async function spillway(jobs: number, concurrency: number): Promise<number> {
  const name = benchPrefix('spill');
  const prefix = hashTaggedPrefix(name);
  const queue = new Queue(JOBS_QUEUE, { connection: connection(), prefix });
  await fill(queue, WARM_UP + jobs);
  const { instances } = loadProviders({
    fileText: JSON.stringify({
      providers: [
        {
          id: 'fast',
          type: 'openai-compatible',
          baseUrl: 'http://127.0.0.1:1/v1',
          apiKey: 'x',
          models: { a: {}, b: {} },
        },
      ],
    }),
    env: {},
    simulatorUrl: 'http://127.0.0.1:1/v1',
  });
  const worker = await startWorker({
    redis: { url: REDIS_URL, cluster: false },
    prefix: name,
    concurrency,
    instances,
    adapterFor: () => instantAdapter,
    logger: createLogger({ level: 'silent' }),
  });
  const rate = await timed(queue, jobs);
  await worker.close();
  await queue.close();
  await removeKeys(REDIS_URL, name);
  return rate;
}

/**
 * Both in the same run, back to back in each round, so that machine noise (which on a shared VM
 * drifts over seconds) hits both alike: the ratio is the median of the rounds' own ratios.
 */
export async function benchThroughput(jobs = 5000, concurrency = 50, rounds = 3) {
  const raw: number[] = [];
  const ours: number[] = [];
  const ratios: number[] = [];
  for (let r = 0; r < rounds; r++) {
    raw.push(await rawBullmq(jobs, concurrency));
    ours.push(await spillway(jobs, concurrency));
    ratios.push(ours[r]! / raw[r]!);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return {
    jobs,
    concurrency,
    rounds,
    warmUpJobs: WARM_UP,
    rawJobsPerSecond: Math.round(median(raw)),
    spillwayJobsPerSecond: Math.round(median(ours)),
    ratio: Math.round(median(ratios) * 100) / 100,
    roundRatios: ratios.map((x) => Math.round(x * 100) / 100),
  };
}
