import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

export function hasRedisServer(): boolean {
  return spawnSync('sh', ['-c', 'command -v redis-server'], { stdio: 'ignore' }).status === 0;
}

/** A port nothing listens on right now, on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** A redis-server in the foreground on a loopback port, its files in `dir`, nothing saved unless asked. */
export function spawnRedisServer(port: number, dir: string, extraArgs: string[] = []): ChildProcess {
  return spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', ...extraArgs],
    { stdio: 'ignore' },
  );
}

/** Resolves once the server answers PING; rejects if it exits first (a port taken meanwhile, a bad flag). */
export async function untilAnswers(child: ChildProcess, url: string): Promise<void> {
  // ioredis queues the PING and retries the connection until the server listens.
  const probe = new Redis(url, { retryStrategy: () => 50, maxRetriesPerRequest: null });
  probe.on('error', () => {});
  let onExit!: (code: number | null) => void;
  const exited = new Promise<never>((_, reject) => {
    onExit = (code) => reject(new Error(`redis-server exited (${code}) before it answered at ${url}`));
    child.once('exit', onExit);
  });
  try {
    await Promise.race([probe.ping(), exited]);
  } finally {
    child.off('exit', onExit);
    probe.disconnect();
  }
}
