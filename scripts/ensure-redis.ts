import { spawnSync } from 'node:child_process';
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

/**
 * Makes sure a Redis answers for `npm start`. With REDIS_URL unset and nothing on 127.0.0.1:6379,
 * starts a throwaway redis-server (data in a temp dir) when one is on PATH, and says so.
 * Returns a message for the user, or throws with instructions.
 */
export async function ensureRedis(url: string, explicit: boolean): Promise<string> {
  if (await answers(url)) return `Redis answers at ${url}`;
  if (explicit || !onPath('redis-server')) {
    throw new Error(`No Redis answers at ${url}.\n${HOW_TO_GET_REDIS}`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'spillway-redis-'));
  const port = new URL(url).port || '6379';
  const started = spawnSync(
    'redis-server',
    [
      '--daemonize',
      'yes',
      '--port',
      port,
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      'no',
    ],
    { stdio: 'inherit' },
  );
  if (started.status !== 0) throw new Error(`redis-server could not start.\n${HOW_TO_GET_REDIS}`);
  for (let i = 0; i < 50; i++) {
    if (await answers(url)) {
      return `Started a local redis-server on 127.0.0.1:${port} (data in ${dir}, not saved); stop it with: redis-cli -p ${port} shutdown`;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`redis-server started but does not answer at ${url}.\n${HOW_TO_GET_REDIS}`);
}
