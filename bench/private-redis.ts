import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

export interface BenchRedis {
  url: string;
  /** The CPU the server has to itself, when it could be given one (see startBenchRedis). */
  cpu?: number;
  /** A connection for reading the server's own figures (SLOWLOG, MEMORY USAGE, CONFIG). */
  admin: Redis;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

function hasTaskset(): boolean {
  return spawnSync('taskset', ['-V'], { stdio: 'ignore' }).status === 0;
}

/** Pins every thread of this process to `cpus` (a taskset list such as "0" or "0-1"). */
function pinSelf(cpus: string): void {
  spawnSync('taskset', ['-a', '-p', '-c', cpus, String(process.pid)], { stdio: 'ignore' });
}

/**
 * A redis-server of the bench's own on a spare loopback port: its SLOWLOG, memory and CONFIG are
 * the bench's alone, and nobody else's traffic is measured.
 *
 * With `ownCpu` (and taskset, and 2+ CPUs) the server runs on the last CPU and this process on the
 * others until stop(). SLOWLOG times a command by the wall clock, so on a 2-core machine a script
 * call that the OS interrupts to run the bench's own client counts the interruption too (a few ms);
 * with a CPU each, what it records is the script's work.
 */
export async function startBenchRedis(options: { ownCpu?: boolean } = {}): Promise<BenchRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'spillway-bench-redis-'));
  const cpus = availableParallelism();
  const cpu = options.ownCpu && cpus >= 2 && hasTaskset() ? cpus - 1 : undefined;
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir];
  args.push('--save', '', '--appendonly', 'no');
  const child =
    cpu === undefined
      ? spawn('redis-server', args, { stdio: 'ignore' })
      : spawn('taskset', ['-c', String(cpu), 'redis-server', ...args], { stdio: 'ignore' });
  if (cpu !== undefined) pinSelf(cpu === 1 ? '0' : `0-${cpu - 1}`);
  const url = `redis://127.0.0.1:${port}`;
  const admin = new Redis(url, { retryStrategy: () => 50, maxRetriesPerRequest: null });
  admin.on('error', () => {});
  await admin.ping();
  return {
    url,
    admin,
    cpu,
    async stop() {
      if (cpu !== undefined) pinSelf(`0-${cpus - 1}`);
      admin.disconnect();
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
