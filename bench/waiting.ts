import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createRedis,
  hashTaggedPrefix,
  JOBS_QUEUE,
  type JobData,
  type JobResult,
  loadProviders,
  Pool,
  placeInLine,
  progressOf,
  type RedisClient,
  toJobView,
  waitingCount,
  waitingKeys,
} from '@spillway/core';
import { Job, Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { benchPrefix, percentile } from './support.js';

const PORT = 6390;
const CLOCK_TICKS = 100; // USER_HZ on Linux

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS; // utime + stime
}

interface System {
  admin: Redis;
  url: string;
  commands(): Promise<number>;
  /** Calls per command name (INFO commandstats), the INFO calls themselves left out. */
  byName(): Promise<Map<string, number>>;
  close(): Promise<void>;
}

/** The commands that grew most between two readings, as "name calls". */
function topCommands(before: Map<string, number>, after: Map<string, number>, n = 6): string[] {
  return [...after]
    .map(([name, calls]) => [name, calls - (before.get(name) ?? 0)] as const)
    .filter(([, calls]) => calls > 0)
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, calls]) => `${name} ${calls}`);
}

/** A redis-server of its own on PORT, so no other traffic is counted. */
async function privateRedis(): Promise<System> {
  const dir = mkdtempSync(join(tmpdir(), 'spillway-bench-redis-'));
  const server = spawn(
    'redis-server',
    ['--port', String(PORT), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const url = `redis://127.0.0.1:${PORT}`;
  const admin = new Redis(url, { retryStrategy: () => 50, maxRetriesPerRequest: null });
  admin.on('error', () => {});
  await admin.ping();
  const byName = async () => {
    const stats = await admin.info('commandstats');
    const calls = new Map<string, number>();
    for (const [, name, count] of stats.matchAll(/cmdstat_([a-z|_-]+):calls=(\d+)/g)) {
      if (name !== 'info') calls.set(name!, Number(count));
    }
    return calls;
  };
  return {
    admin,
    url,
    byName,
    // INFO commandstats deltas: every command the server ran (the INFO calls themselves excluded).
    async commands() {
      let total = 0;
      for (const calls of (await byName()).values()) total += calls;
      return total;
    },
    async close() {
      admin.disconnect();
      server.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function startBenchWorker(config: Record<string, unknown>): Promise<ChildProcess> {
  const worker = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=source', 'bench/worker-process.ts'],
    {
      env: { ...process.env, BENCH_WORKER: JSON.stringify(config) },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  await new Promise<void>((resolve) =>
    worker.stdout!.on('data', (d) => String(d).includes('ready') && resolve()),
  );
  return worker;
}

async function stopBenchWorker(worker: ChildProcess): Promise<void> {
  await new Promise((r) => {
    worker.once('exit', r);
    worker.kill('SIGTERM');
  });
}

async function addJobs(queue: Queue, count: number, from: number): Promise<void> {
  const now = Date.now();
  for (let added = 0; added < count; ) {
    const n = Math.min(1000, count - added);
    await queue.addBulk(
      Array.from({ length: n }, (_, k) => ({
        name: 'plan',
        data: {
          kind: 'plan',
          tenant: 'bench',
          createdAt: now,
          deadlineAt: now + 86_400_000,
          plan: { description: `Day ${from + added + k}` },
        } satisfies JobData,
      })),
    );
    added += n;
  }
}

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
}

/**
 * Waiting for capacity, on a redis-server and a worker process of their own.
 * 1. Every instance limited; 100 → 10,000 → 100,000 jobs parked: Redis commands per second and
 *    worker CPU while they wait (nothing changes: the target is ~0).
 * 2. One model at rpm 30 (a known limit, a provider answering at once) draining 100 and then
 *    100,000 waiting jobs: Redis commands per second while draining (the same for both: release
 *    work follows the 30 jobs a minute that run, not the jobs that wait), and how close each
 *    job's estimatedStartAt came to when it started.
 */
export async function benchWaiting(levels = [100, 10_000, 100_000], measureSeconds = 5, drainSeconds = 150) {
  const system = await privateRedis();
  const idle = await benchIdle(system, levels, measureSeconds);
  const drains = [];
  for (const waiting of [100, levels.at(-1)!]) drains.push(await benchDrain(system, waiting, drainSeconds));
  await system.close();
  return { measureSeconds, ...idle, drainSeconds, drains };
}

async function benchIdle(system: System, levels: number[], measureSeconds: number) {
  const name = benchPrefix('wait');
  const providers = {
    providers: [
      {
        id: 'p',
        type: 'openai-compatible',
        baseUrl: 'http://127.0.0.1:1/v1',
        apiKey: 'x',
        models: ['a', 'b', 'c'],
      },
    ],
  };
  const { instances } = loadProviders({
    fileText: JSON.stringify(providers),
    env: {},
    simulatorUrl: 'http://127.0.0.1:1/v1',
  });
  const poolRedis = createRedis({ url: system.url, cluster: false }, `${name}:bench`);
  const pool = new Pool({ redis: poolRedis, prefix: name });
  for (const instance of instances) {
    await pool.markLimited(instance, {
      scope: 'instance',
      window: 'day',
      retryAfterMs: 3_600_000,
      reason: 'bench',
    });
  }
  const worker = await startBenchWorker({ redisUrl: system.url, prefix: name, providers });
  const queue = new Queue(JOBS_QUEUE, {
    connection: new Redis(system.url, { maxRetriesPerRequest: null }),
    prefix: hashTaggedPrefix(name),
  });
  const results: Array<{ waitingJobs: number; redisCommandsPerSecond: number; workerCpuPercent: number }> =
    [];
  let added = 0;
  for (const level of levels) {
    await addJobs(queue, level - added, added);
    added = level;
    // Each job is looked at once (it parks); measured once they all wait.
    await until(async () => (await waitingCount(poolRedis, name)) >= level, 300_000);
    await new Promise((r) => setTimeout(r, 1000));
    const c0 = await system.commands();
    const cpu0 = cpuSeconds(worker.pid!);
    await new Promise((r) => setTimeout(r, measureSeconds * 1000));
    const c1 = await system.commands();
    const cpu1 = cpuSeconds(worker.pid!);
    results.push({
      waitingJobs: level,
      redisCommandsPerSecond: Math.round(((c1 - c0) / measureSeconds) * 10) / 10,
      workerCpuPercent: Math.round(((cpu1 - cpu0) / measureSeconds) * 1000) / 10,
    });
  }
  const failed = (await queue.getJobCounts('failed')).failed ?? 0;
  await stopBenchWorker(worker);
  await queue.close();
  await poolRedis.quit();
  return { failed, levels: results };
}

const RPM = 30;

async function benchDrain(system: System, waiting: number, drainSeconds: number) {
  const name = benchPrefix('drain');
  const providers = {
    providers: [
      {
        id: 'd',
        type: 'openai-compatible',
        baseUrl: 'http://127.0.0.1:1/v1',
        apiKey: 'x',
        models: { m: { rpm: RPM } },
      },
    ],
  };
  const worker = await startBenchWorker({ redisUrl: system.url, prefix: name, providers, instant: true });
  const redis = createRedis({ url: system.url, cluster: false }, `${name}:bench`);
  const queue = new Queue<JobData, JobResult>(JOBS_QUEUE, {
    connection: new Redis(system.url, { maxRetriesPerRequest: null }),
    prefix: hashTaggedPrefix(name),
  });
  await addJobs(queue as Queue, waiting, 0);
  // The first minute's 30 run at once; the rest park. Measured once every job has been looked at.
  await until(async () => {
    const counts = await queue.getJobCounts('wait', 'active');
    return (
      (counts.wait ?? 0) + (counts.active ?? 0) === 0 && (await waitingCount(redis, name)) >= waiting - RPM
    );
  }, 300_000);
  const estimates = await sampleEstimates(redis, name, queue, Math.floor((drainSeconds * RPM) / 60));
  const done0 = (await queue.getJobCounts('completed')).completed ?? 0;
  const names0 = await system.byName();
  const c0 = await system.commands();
  const cpu0 = cpuSeconds(worker.pid!);
  await new Promise((r) => setTimeout(r, drainSeconds * 1000));
  const c1 = await system.commands();
  const names1 = await system.byName();
  const cpu1 = cpuSeconds(worker.pid!);
  const completed = ((await queue.getJobCounts('completed')).completed ?? 0) - done0;
  const errors: number[] = [];
  for (const { id, estimate } of estimates) {
    const job = await Job.fromId<JobData, JobResult>(queue, id);
    if (job?.processedOn && job.finishedOn) errors.push(job.processedOn - estimate);
  }
  const absolute = errors.map(Math.abs).sort((a, b) => a - b);
  await stopBenchWorker(worker);
  await queue.close();
  await redis.quit();
  const commandsPerSecond = (c1 - c0) / drainSeconds;
  return {
    waitingJobs: waiting,
    rpm: RPM,
    completedInWindow: completed,
    redisCommandsPerSecond: Math.round(commandsPerSecond * 10) / 10,
    commandsPerCompletedJob: completed > 0 ? Math.round(((c1 - c0) / completed) * 10) / 10 : null,
    workerCpuPercent: Math.round(((cpu1 - cpu0) / drainSeconds) * 1000) / 10,
    topCommands: topCommands(names0, names1),
    estimate: {
      sampled: estimates.length,
      started: errors.length,
      /** startedAt − estimatedStartAt (ms): positive = later than estimated. */
      medianErrorMs: errors.length
        ? percentile(
            [...errors].sort((a, b) => a - b),
            50,
          )
        : null,
      medianAbsErrorMs: absolute.length ? percentile(absolute, 50) : null,
      p90AbsErrorMs: absolute.length ? percentile(absolute, 90) : null,
    },
  };
}

/** The estimatedStartAt the job view gives the first `count` jobs in line, now. */
async function sampleEstimates(
  redis: RedisClient,
  prefix: string,
  queue: Queue<JobData, JobResult>,
  count: number,
) {
  const keys = waitingKeys(prefix);
  const lines = await redis.zrange(keys.wakes, 0, -1);
  const out: Array<{ id: string; estimate: number }> = [];
  for (const line of lines) {
    for (const member of await redis.zrange(keys.line(line), 0, count - 1)) {
      const id = member.split(' ')[0]!;
      const job = await Job.fromId<JobData, JobResult>(queue, id);
      if (!job) continue;
      const parked = progressOf(job).parked;
      const place = parked ? await placeInLine(redis, prefix, parked.line, id) : null;
      const view = toJobView(job, await job.getState(), { now: Date.now(), place });
      if (view.estimatedStartAt) out.push({ id, estimate: Date.parse(view.estimatedStartAt) });
    }
  }
  return out;
}
