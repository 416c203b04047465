import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort, hasRedisServer, spawnRedisServer } from './redis-server.js';
import { trackChild } from './tracked.js';

export { freePort, hasRedisServer };

export interface PrivateRedis {
  url: string;
  port: number;
  /** Total commands the server has executed (INFO stats), minus the INFO calls used to read it. */
  commandsProcessed(): Promise<number>;
  /** SIGKILL, as a crash would: whatever the server had not written to disk is gone. */
  kill(): Promise<void>;
  /** Starts the server again on the same port and directory (so it reloads its AOF), once it answers. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A redis-server of the test's own on a spare loopback port, for measurements that must not see
 * other tests' traffic (and for tests that kill Redis). Needs redis-server on PATH.
 */
export async function startPrivateRedis(extraArgs: string[] = []): Promise<PrivateRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'spillway-test-redis-'));
  const spawnServer = () => trackChild(spawnRedisServer(port, dir, extraArgs));
  let child = spawnServer();
  const url = `redis://127.0.0.1:${port}`;
  // The server takes a moment to listen; ioredis retries until it does.
  const admin = new Redis(url, { retryStrategy: () => 50, maxRetriesPerRequest: null });
  admin.on('error', () => {});
  await admin.ping();
  const kill = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  };
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
    kill,
    async restart() {
      await kill();
      child = spawnServer();
      await admin.ping();
    },
    async stop() {
      admin.disconnect();
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
