import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

async function answers(url: string): Promise<boolean> {
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 1000,
  });
  redis.on('error', () => {});
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

function onPath(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

export const HOW_TO_GET_REDIS = `Spillway needs Redis and none answers at the address above. Any one of these gives you one:
  docker run -d --name spillway-redis -p 6379:6379 redis:7        (Docker)
  sudo apt-get install -y redis-server                             (Debian/Ubuntu; then run npm start again)
  brew install redis && brew services start redis                  (macOS)
or point REDIS_URL at a Redis you already have, or run the whole stack with: docker compose up`;

export interface RedisForStart {
  /** What to tell the user. */
  message: string;
  /** The throwaway redis-server this started, to stop after everything that uses it. */
  server?: ChildProcess;
}

/**
 * Makes sure a Redis answers for `npm start`. With REDIS_URL unset and nothing on 127.0.0.1:6379,
 * starts a throwaway redis-server (data in a temp dir) when one is on PATH, and says so. It runs as
 * a child of `npm start` (in its own process group, so a terminal's Ctrl-C reaches only the
 * supervisor, which stops it last), not as a daemon that would outlive the demo.
 */
export async function ensureRedis(url: string, explicit: boolean): Promise<RedisForStart> {
  if (await answers(url)) return { message: `Redis answers at ${url}` };
  if (explicit || !onPath('redis-server')) {
    throw new Error(`No Redis answers at ${url}.\n${HOW_TO_GET_REDIS}`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'spillway-redis-'));
  const port = new URL(url).port || '6379';
  const server = spawn(
    'redis-server',
    ['--port', port, '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore', detached: true },
  );
  for (let i = 0; i < 50; i++) {
    if (server.exitCode !== null) break;
    if (await answers(url)) {
      return {
        message: `Started a local redis-server on 127.0.0.1:${port} (data in ${dir}, not saved); it stops with npm start`,
        server,
      };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  server.kill('SIGKILL');
  throw new Error(`redis-server did not start or does not answer at ${url}.\n${HOW_TO_GET_REDIS}`);
}
