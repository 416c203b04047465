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
  interactivePriority,
  JOBS_QUEUE,
  loadProviders,
  type ProviderAdapter,
} from '@spillway/core';
import { startWorker } from '@spillway/worker';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { benchPrefix, median, REDIS_URL, removeKeys } from './support.js';

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
    priority: 'normal' as const,
    plan: { description: `Day ${i}: write the report, email, gym at noon` },
  };
}

/**
 * Fills the queue in the mode Spillway's API uses, for the bare worker and Spillway's alike: every
 * job prioritized (packages/core/src/jobs/priority.ts), so BullMQ serves both from its prioritized
 * set rather than the bare one from the cheaper wait list.
 */
async function fill(queue: Queue, jobs: number) {
  for (let i = 0; i < jobs; i += 1000) {
    await queue.addBulk(
      Array.from({ length: Math.min(1000, jobs - i) }, (_, k) => ({
        name: 'plan',
        data: planData(i + k),
        opts: { attempts: 4, removeOnComplete: { age: 3600 }, priority: interactivePriority() },
      })),
    );
  }
}

/**
 * Starts watching the queue's completed jobs from another process (see completions.mjs); call it
 * before the worker starts. `rate()` resolves with the steady-state rate once the run is over, or
 * rejects as soon as a job fails; `stop()` ends the watcher (always call it).
 */
async function watchRate(prefix: string, jobs: number) {
  const child = spawn(
    process.execPath,
    [
      fileURLToPath(new URL('./completions.mjs', import.meta.url)),
      REDIS_URL,
      `${prefix}:${JOBS_QUEUE}`,
      String(WARM_UP),
      String(WARM_UP + jobs),
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => {
    const { value, done } = await lines.next();
    if (done) throw new Error('bench: the completions watcher ended early');
    return JSON.parse(String(value)) as unknown;
  };
  const stop = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill();
  };
  if ((await next()) !== 'ready') {
    stop();
    throw new Error('bench: the completions watcher did not start');
  }
  return {
    stop,
    async rate(): Promise<number> {
      const seen = (await next()) as { fromAt: number; toAt: number } | { failed: number };
      if ('failed' in seen) throw new Error(`bench: ${seen.failed} jobs failed`);
      return jobs / ((seen.toAt - seen.fromAt) / 1000);
    },
  };
}

/**
 * One timed run: a filled queue under `name`, the worker `start` gives for it, the steady-state
 * rate; the worker, the queue and their keys are gone afterwards, whatever happened.
 */
async function timedRun(
  name: string,
  jobs: number,
  start: (prefix: string) => Promise<{ close(): Promise<void> }>,
): Promise<number> {
  const prefix = hashTaggedPrefix(name);
  const queue = new Queue(JOBS_QUEUE, { connection: connection(), prefix });
  let worker: { close(): Promise<void> } | undefined;
  const watch = await watchRate(prefix, jobs);
  try {
    await fill(queue, WARM_UP + jobs);
    worker = await start(prefix);
    return await watch.rate();
  } finally {
    watch.stop();
    await worker?.close();
    await queue.close();
    await removeKeys(REDIS_URL, name);
  }
}

/** Jobs per second of a bare BullMQ worker running `processor`. */
export function bareWorker(
  jobs: number,
  concurrency: number,
  processor: () => Promise<unknown>,
): Promise<number> {
  return timedRun(benchPrefix('raw'), jobs, async (prefix) => {
    return new Worker(JOBS_QUEUE, processor, { connection: connection(), prefix, concurrency });
  });
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
export function spillwayWorker(
  jobs: number,
  concurrency: number,
  provider: { instances: readonly Instance[]; adapterFor: () => ProviderAdapter },
): Promise<number> {
  const name = benchPrefix('spill');
  return timedRun(name, jobs, () =>
    startWorker({
      redis: { url: REDIS_URL, cluster: false },
      prefix: name,
      concurrency,
      instances: provider.instances,
      adapterFor: provider.adapterFor,
      logger: createLogger({ level: 'silent' }),
    }),
  );
}

/**
 * Runs every system once per round, back to back, so that machine noise (which on a shared VM
 * drifts over seconds) hits a round's runs alike; with `alternate`, odd rounds run them in reverse
 * (neither always meets the warmer connections). Keeps what each system's run gave (its rate), per round.
 */
export async function inRounds<K extends string, T = number>(
  rounds: number,
  systems: Record<K, () => Promise<T>>,
  alternate = false,
): Promise<Record<K, T[]>> {
  const names = Object.keys(systems) as K[];
  const runs = Object.fromEntries(names.map((n) => [n, [] as T[]])) as Record<K, T[]>;
  for (let r = 0; r < rounds; r++) {
    for (const n of alternate && r % 2 === 1 ? [...names].reverse() : names) runs[n].push(await systems[n]());
  }
  return runs;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/** The median of a system's rates, in whole jobs per second. */
export const medianRate = (rates: number[]) => Math.round(median(rates));

/** `a` against `b`: the median of the rounds' own ratios, and each round's. */
export function ratioOf(a: number[], b: number[]) {
  const perRound = a.map((x, i) => x / b[i]!);
  return { ratio: round2(median(perRound)), roundRatios: perRound.map(round2) };
}
