import { createRedis, type RedisClient } from '@spillway/core';
import { afterAll, afterEach, inject } from 'vitest';
import { drainTracked } from './tracked.js';

/**
 * Fails a test that leaves a worker, queue, Redis connection or child process open.
 *
 * Connections are found on the Redis server itself (CLIENT LIST), by the unique prefix each test
 * puts into every connection name, so a leak inside the code under test is caught too, not only
 * in the test's own helpers. Afterwards the test's keys are removed (by prefix, never FLUSHDB:
 * the Redis may be shared).
 */
let admin: RedisClient | undefined;

function adminConnection(): RedisClient {
  admin ??= createRedis({ url: inject('redisUrl'), cluster: false }, 'spillway-test-admin');
  return admin;
}

interface OpenClient {
  id: string;
  name: string;
}

async function openClientsNamed(prefixes: string[]): Promise<OpenClient[]> {
  const list = (await adminConnection().client('LIST')) as string;
  return list
    .split('\n')
    .map((line) => ({ id: /\bid=(\d+)/.exec(line)?.[1] ?? '', name: /\bname=(\S*)/.exec(line)?.[1] ?? '' }))
    .filter((c) => c.id !== '' && c.name !== '' && prefixes.some((p) => c.name.includes(p)));
}

async function deleteKeys(prefix: string): Promise<void> {
  const redis = adminConnection();
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `*${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.unlink(...keys);
  } while (cursor !== '0');
}

afterEach(async (context) => {
  const { prefixes, leftOpen } = await drainTracked();
  const problems: string[] = [...leftOpen];
  if (prefixes.length > 0) {
    let open = await openClientsNamed(prefixes);
    // Closing is asynchronous on the server side too; give QUIT a moment to land.
    for (let i = 0; i < 40 && open.length > 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
      open = await openClientsNamed(prefixes);
    }
    if (open.length > 0) {
      problems.push(`Redis connections still open: ${open.map((c) => c.name).join(', ')}`);
      for (const c of open)
        await adminConnection()
          .client('KILL', 'ID', c.id)
          .catch(() => {});
    }
    for (const prefix of prefixes) await deleteKeys(prefix);
  }
  if (problems.length > 0 && context.task.result?.state !== 'fail') {
    throw new Error(`Test left resources open:\n- ${problems.join('\n- ')}`);
  }
});

afterAll(async () => {
  await admin?.quit();
  admin = undefined;
});
