/**
 * One timed run through a real BullMQ queue, shared by the throughput benchmarks: fill the queue,
 * start a worker (a bare BullMQ worker or Spillway's), time the steady state, clean up.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import {
  createLogger,
  hashTaggedPrefix,
  type Instance,
  JOBS_QUEUE,
  loadProviders,
  type ProviderAdapter,
} from '@spillway/core';
import { startWorker } from '@spillway/worker';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { benchPrefix, REDIS_URL, removeKeys } from './support.js';

const connection = () => new Redis(REDIS_URL, { maxRetriesPerRequest: null });

/**
 * Jobs per second in the steady state: the first WARM_UP jobs of a run start the worker, its
 * connections and the JIT, and are not timed (for either system).
 */
export const WARM_UP = 2000;

export function planData(i: number) {
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

/** Jobs per second of a bare BullMQ worker running `processor`. */
export async function bareWorker(
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

/** Two instances (models a and b, limits unknown) of one OpenAI-compatible provider at `baseUrl`. */
export function benchInstances(baseUrl: string): readonly Instance[] {
  return loadProviders({
    fileText: JSON.stringify({
      providers: [{ id: 'fast', type: 'openai-compatible', baseUrl, apiKey: 'x', models: { a: {}, b: {} } }],
    }),
    env: {},
    simulatorUrl: baseUrl,
  }).instances;
}

/**
 * Jobs per second of Spillway's worker: choice + reservation, the provider call, validation,
 * settlement, attempts, cancel watch, metrics.
 */
export async function spillwayWorker(
  jobs: number,
  concurrency: number,
  provider: { instances: readonly Instance[]; adapterFor: () => ProviderAdapter },
): Promise<number> {
  const name = benchPrefix('spill');
  const prefix = hashTaggedPrefix(name);
  const queue = new Queue(JOBS_QUEUE, { connection: connection(), prefix });
  await fill(queue, WARM_UP + jobs);
  const rate = await watchRate(queue, prefix, jobs);
  const worker = await startWorker({
    redis: { url: REDIS_URL, cluster: false },
    prefix: name,
    concurrency,
    instances: provider.instances,
    adapterFor: provider.adapterFor,
    logger: createLogger({ level: 'silent' }),
  });
  const perSecond = await rate();
  await worker.close();
  await queue.close();
  await removeKeys(REDIS_URL, name);
  return perSecond;
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
export const round2 = (x: number) => Math.round(x * 100) / 100;
