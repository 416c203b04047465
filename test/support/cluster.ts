import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { trackChild } from './tracked.js';

const run = promisify(execFile);

/** Whether this machine can run a cluster: redis-server and redis-cli on PATH. */
export function hasClusterTools(): boolean {
  return (
    spawnSync('sh', ['-c', 'command -v redis-server && command -v redis-cli'], { stdio: 'ignore' }).status ===
    0
  );
}

export interface RedisClusterHandle {
  /** A seed node, for `{ url, cluster: true }`. */
  url: string;
  ports: number[];
  stop(): Promise<void>;
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A node needs its port and port + 10000 (the cluster bus), so ephemeral ports will not do. */
async function clusterPort(taken: Set<number>): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 10_000);
    if (taken.has(port)) continue;
    if ((await portIsFree(port)) && (await portIsFree(port + 10_000))) {
      taken.add(port);
      return port;
    }
  }
}

async function answers(port: number, check: (redis: Redis) => Promise<boolean>, timeoutMs: number) {
  const redis = new Redis(port, '127.0.0.1', { retryStrategy: () => 50, maxRetriesPerRequest: null });
  redis.on('error', () => {});
  try {
    const deadline = Date.now() + timeoutMs;
    while (!(await check(redis))) {
      if (Date.now() > deadline) throw new Error(`cluster node ${port} not ready in ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    redis.disconnect();
  }
}

/**
 * A real three-master Redis Cluster on loopback, each node a redis-server of its own in a temp
 * directory, slots spread by `redis-cli --cluster create`. Needs redis-server and redis-cli on PATH.
 * `stop()` kills every node and removes its directory.
 *
 * The leak guard kills the child processes a test leaves behind; a cluster shared by a whole file
 * (started in beforeAll) passes `perTest: false`, so that the nodes outlive each test, and is killed
 * when the test process exits if `stop()` was never reached.
 */
export async function startRedisCluster(options: { perTest?: boolean } = {}): Promise<RedisClusterHandle> {
  const masters = 3;
  const track = options.perTest === false ? (child: ChildProcess) => child : trackChild;
  const taken = new Set<number>();
  const nodes: Array<{ port: number; dir: string; child: ChildProcess }> = [];
  const killAll = () => {
    for (const { child } of nodes)
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', killAll);
  const stop = async () => {
    process.off('exit', killAll);
    await Promise.all(
      nodes.map(async ({ child, dir }) => {
        if (child.exitCode === null && child.signalCode === null) {
          const exited = new Promise((r) => child.once('exit', r));
          child.kill('SIGKILL');
          await exited;
        }
        rmSync(dir, { recursive: true, force: true });
      }),
    );
  };
  try {
    for (let i = 0; i < masters; i++) {
      const port = await clusterPort(taken);
      const dir = mkdtempSync(join(tmpdir(), 'spillway-test-cluster-'));
      const child = track(
        spawn(
          'redis-server',
          [
            '--port',
            String(port),
            '--bind',
            '127.0.0.1',
            '--dir',
            dir,
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            `nodes-${port}.conf`,
            '--appendonly',
            'no',
            '--save',
            '',
          ],
          { stdio: 'ignore' },
        ),
      );
      nodes.push({ port, dir, child });
    }
    for (const { port } of nodes) await answers(port, async (r) => (await r.ping()) === 'PONG', 10_000);
    await run('redis-cli', [
      '--cluster',
      'create',
      ...nodes.map(({ port }) => `127.0.0.1:${port}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    for (const { port } of nodes) {
      await answers(
        port,
        async (r) => ((await r.cluster('INFO')) as string).includes('cluster_state:ok'),
        15_000,
      );
    }
  } catch (err) {
    await stop();
    throw err;
  }
  const ports = nodes.map((n) => n.port);
  return { url: `redis://127.0.0.1:${ports[0]}`, ports, stop };
}
