import { randomUUID } from 'node:crypto';
import { createLogger, hashTaggedPrefix, JOBS_QUEUE, loadProviders, PlanResultSchema } from '@spillway/core';
import { startWorker } from '@spillway/worker';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { benchPrefix, INSTANT_PLAN, instantAdapter, REDIS_URL, removeKeys } from './support.js';

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
  return bareWorker(jobs, concurrency, async () => ({ ok: true }));
}

/**
 * The floor under any pool in front of BullMQ: per job, one Redis script call shared with the
 * jobs that start in the same turn (a choice has to ask Redis), the answer's validation and the
 * result stored. It does nothing else: no state, no settlement, no attempts, no cancel watch.
 */
async function floorWorker(jobs: number, concurrency: number): Promise<number> {
  const side = new Redis(REDIS_URL);
  side.defineCommand('benchFloorChoose', {
    numberOfKeys: 1,
    lua: "redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2]) return #ARGV",
  });
  const key = `${hashTaggedPrefix(benchPrefix('floor'))}:choose`;
  let waiting: Array<() => void> = [];
  const choose = () =>
    new Promise<void>((resolve) => {
      waiting.push(resolve);
      if (waiting.length > 1) return;
      setImmediate(() => {
        const batch = waiting;
        waiting = [];
        const call = (side as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>)
          .benchFloorChoose!;
        void call.call(side, key, Date.now(), randomUUID(), batch.length).then(() => {
          for (const done of batch) done();
        });
      });
    });
  try {
    return await bareWorker(jobs, concurrency, async () => {
      await choose();
      const result = PlanResultSchema.parse(JSON.parse(INSTANT_PLAN));
      return {
        result,
        attempts: [{ instance: 'fast/a', model: 'a', at: new Date().toISOString(), outcome: 'ok' }],
      };
    });
  } finally {
    await side.del(key);
    await side.quit();
  }
}

async function bareWorker(
  jobs: number,
  concurrency: number,
  processor: () => Promise<unknown>,
): Promise<number> {
  const prefix = hashTaggedPrefix(benchPrefix('raw'));
  const queue = new Queue(JOBS_QUEUE, { connection: connection(), prefix });
  await fill(queue, WARM_UP + jobs);
  const worker = new Worker(JOBS_QUEUE, processor, { connection: connection(), prefix, concurrency });
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
 * All three in the same run, back to back in each round, so that machine noise (which on a shared
 * VM drifts over seconds) hits them alike: each ratio is the median of the rounds' own ratios.
 */
export async function benchThroughput(jobs = 5000, concurrency = 50, rounds = 3) {
  const raw: number[] = [];
  const floor: number[] = [];
  const ours: number[] = [];
  const ratios: number[] = [];
  const floorRatios: number[] = [];
  for (let r = 0; r < rounds; r++) {
    raw.push(await rawBullmq(jobs, concurrency));
    floor.push(await floorWorker(jobs, concurrency));
    ours.push(await spillway(jobs, concurrency));
    ratios.push(ours[r]! / raw[r]!);
    floorRatios.push(floor[r]! / raw[r]!);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const round2 = (x: number) => Math.round(x * 100) / 100;
  return {
    jobs,
    concurrency,
    rounds,
    warmUpJobs: WARM_UP,
    rawJobsPerSecond: Math.round(median(raw)),
    floorJobsPerSecond: Math.round(median(floor)),
    spillwayJobsPerSecond: Math.round(median(ours)),
    ratio: round2(median(ratios)),
    floorRatio: round2(median(floorRatios)),
    roundRatios: ratios.map(round2),
  };
}
