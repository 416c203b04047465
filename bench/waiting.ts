import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRedis, hashTaggedPrefix, JOBS_QUEUE, loadProviders, Pool } from '@spillway/core';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { benchPrefix } from './support.js';

const PORT = 6390;
const CLOCK_TICKS = 100; // USER_HZ on Linux

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS; // utime + stime
}

/**
 * Every instance limited; 100 → 10,000 → 100,000 jobs waiting. A redis-server of its own (so no
 * other traffic is counted) and a worker process of its own: Redis commands per second (INFO
 * stats) and worker CPU while the jobs wait.
 */
export async function benchWaiting(levels = [100, 10_000, 100_000], measureSeconds = 5) {
  const dir = mkdtempSync(join(tmpdir(), 'spillway-bench-redis-'));
  const redisServer = spawn(
    'redis-server',
    ['--port', String(PORT), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const url = `redis://127.0.0.1:${PORT}`;
  const admin = new Redis(url, { retryStrategy: () => 50, maxRetriesPerRequest: null });
  admin.on('error', () => {});
  await admin.ping();
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
  const poolRedis = createRedis({ url, cluster: false }, `${name}:bench`);
  const pool = new Pool({ redis: poolRedis, prefix: name });
  for (const instance of instances) {
    await pool.markLimited(instance, {
      scope: 'instance',
      window: 'day',
      retryAfterMs: 3_600_000,
      reason: 'bench',
    });
  }
  const worker = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=source', 'bench/worker-process.ts'],
    {
      env: { ...process.env, BENCH_WORKER: JSON.stringify({ redisUrl: url, prefix: name, providers }) },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  await new Promise<void>((resolve) =>
    worker.stdout!.on('data', (d) => String(d).includes('ready') && resolve()),
  );
  const queue = new Queue(JOBS_QUEUE, {
    connection: new Redis(url, { maxRetriesPerRequest: null }),
    prefix: hashTaggedPrefix(name),
  });

  const commands = async () =>
    Number(/total_commands_processed:(\d+)/.exec(await admin.info('stats'))?.[1] ?? 0);
  const results: Array<{ waitingJobs: number; redisCommandsPerSecond: number; workerCpuPercent: number }> =
    [];
  let added = 0;
  const now = Date.now();
  for (const level of levels) {
    while (added < level) {
      const n = Math.min(1000, level - added);
      await queue.addBulk(
        Array.from({ length: n }, (_, k) => ({
          name: 'plan',
          data: {
            kind: 'plan',
            tenant: 'bench',
            createdAt: now,
            deadlineAt: now + 7_200_000,
            plan: { description: `Day ${added + k}` },
          },
        })),
      );
      added += n;
    }
    await new Promise((r) => setTimeout(r, 2000)); // let the worker settle into waiting
    const c0 = await commands();
    const cpu0 = cpuSeconds(worker.pid!);
    await new Promise((r) => setTimeout(r, measureSeconds * 1000));
    const c1 = await commands();
    const cpu1 = cpuSeconds(worker.pid!);
    results.push({
      waitingJobs: level,
      // minus the two INFO calls of the measurement itself
      redisCommandsPerSecond: Math.round(((c1 - c0 - 1) / measureSeconds) * 10) / 10,
      workerCpuPercent: Math.round(((cpu1 - cpu0) / measureSeconds) * 1000) / 10,
    });
  }
  const failed = (await queue.getJobCounts('failed')).failed ?? 0;
  await new Promise((r) => {
    worker.once('exit', r);
    worker.kill('SIGTERM');
  });
  await queue.close();
  await poolRedis.quit();
  admin.disconnect();
  redisServer.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
  return { measureSeconds, failed, levels: results };
}
