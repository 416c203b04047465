import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import {
  type ChatRequest,
  createLogger,
  hashTaggedPrefix,
  type Instance,
  JOBS_QUEUE,
  loadProviders,
  PlanResultSchema,
} from '@spillway/core';
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

/**
 * Jobs per second in the steady state: the first WARM_UP jobs of a run start the worker, its
 * connections and the JIT, and are not timed (for either system).
 */
const WARM_UP = 2000;

/**
 * Starts watching the queue's completed jobs from another process (see completions.mjs); call it
 * before the worker starts. Resolves with the steady-state rate once the run is over, and checks
 * that no job failed.
 */
async function watchRate(queue: Queue, prefix: string, jobs: number): Promise<() => Promise<number>> {
  const child = spawn(
    process.execPath,
    [
      fileURLToPath(new URL('./completions.mjs', import.meta.url)),
      REDIS_URL,
      `${prefix}:${JOBS_QUEUE}:completed`,
      String(WARM_UP),
      String(WARM_UP + jobs),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  if ((await lines.next()).value !== 'ready') throw new Error('bench: the completions watcher did not start');
  return async () => {
    const { value } = await lines.next();
    const { fromAt, toAt } = JSON.parse(String(value)) as { fromAt: number; toAt: number };
    const { failed = 0 } = await queue.getJobCounts('failed');
    if (failed > 0) throw new Error(`bench: ${failed} jobs failed`);
    return jobs / ((toAt - fromAt) / 1000);
  };
}

/** Raw BullMQ: a worker that does nothing, the ceiling any queue-based system stays under. */
async function rawBullmq(jobs: number, concurrency: number): Promise<number> {
  return bareWorker(jobs, concurrency, async () => ({ ok: true }));
}

/**
 * The work itself, with no pool: a bare BullMQ worker that calls the same zero-latency provider,
 * validates its answer with the same schema and stores it with its attempt, as any LLM job queue
 * must. What Spillway adds over this is its own cost (choice, reservation, settlement, attempts,
 * cancel watch, metrics).
 */
async function floorWorker(jobs: number, concurrency: number): Promise<number> {
  const instance = { id: 'fast/a', model: 'a' } as Instance;
  const request = { system: '', user: '' } as ChatRequest;
  return await bareWorker(jobs, concurrency, async () => {
    const answer = await instantAdapter.call(instance, request, new AbortController().signal);
    if (answer.kind !== 'ok') throw new Error('bench: the instant provider failed');
    const result = PlanResultSchema.parse(JSON.parse(answer.content));
    return {
      result,
      attempts: [
        { instance: instance.id, model: instance.model, at: new Date().toISOString(), outcome: 'ok' },
      ],
    };
  });
}

async function bareWorker(
  jobs: number,
  concurrency: number,
  processor: () => Promise<unknown>,
): Promise<number> {
  const prefix = hashTaggedPrefix(benchPrefix('raw'));
  const queue = new Queue(JOBS_QUEUE, { connection: connection(), prefix });
  await fill(queue, WARM_UP + jobs);
  const rate = await watchRate(queue, prefix, jobs);
  const worker = new Worker(JOBS_QUEUE, processor, { connection: connection(), prefix, concurrency });
  const perSecond = await rate();
  await worker.close();
  await queue.close();
  await removeKeys(REDIS_URL, prefix);
  return perSecond;
}

/** Spillway: choice + reservation, the (instant) provider call, validation, settlement, attempts. */
async function spillway(jobs: number, concurrency: number): Promise<number> {
  const name = benchPrefix('spill');
  const prefix = hashTaggedPrefix(name);
  const queue = new Queue(JOBS_QUEUE, { connection: connection(), prefix });
  await fill(queue, WARM_UP + jobs);
  const rate = await watchRate(queue, prefix, jobs);
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
  const perSecond = await rate();
  await worker.close();
  await queue.close();
  await removeKeys(REDIS_URL, name);
  return perSecond;
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
  const ofFloor: number[] = [];
  for (let r = 0; r < rounds; r++) {
    raw.push(await rawBullmq(jobs, concurrency));
    floor.push(await floorWorker(jobs, concurrency));
    ours.push(await spillway(jobs, concurrency));
    ratios.push(ours[r]! / raw[r]!);
    floorRatios.push(floor[r]! / raw[r]!);
    ofFloor.push(ours[r]! / floor[r]!);
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
    ofFloor: round2(median(ofFloor)),
    roundRatios: ratios.map(round2),
  };
}
