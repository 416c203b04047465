import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { trackChild } from './tracked.js';

export interface PrivateRedis {
  url: string;
  port: number;
  /** Total commands the server has executed (INFO stats), minus the INFO calls used to read it. */
  commandsProcessed(): Promise<number>;
  stop(): Promise<void>;
}

export function hasRedisServer(): boolean {
  return spawnSync('sh', ['-c', 'command -v redis-server'], { stdio: 'ignore' }).status === 0;
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

/**
 * A redis-server of the test's own on a spare loopback port, for measurements that must not see
 * other tests' traffic (and for tests that kill Redis). Needs redis-server on PATH.
 */
export async function startPrivateRedis(extraArgs: string[] = []): Promise<PrivateRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'spillway-test-redis-'));
  const child = trackChild(
    spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', ...extraArgs],
      {
        stdio: 'ignore',
      },
    ),
  );
  const url = `redis://127.0.0.1:${port}`;
  // The server takes a moment to listen; ioredis retries until it does.
  const admin = new Redis(url, { retryStrategy: () => 50, maxRetriesPerRequest: null });
  admin.on('error', () => {});
  await admin.ping();
  let infoCalls = 0;
  return {
    url,
    port,
    async commandsProcessed() {
      infoCalls++;
      const info = await admin.info('stats');
      const total = Number(/total_commands_processed:(\d+)/.exec(info)?.[1] ?? 0);
      return total - infoCalls;
    },
    async stop() {
      admin.disconnect();
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGKILL');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
