import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { providersKeys } from '@spillway/core';
import { Redis } from 'ioredis';
import { benchPrefix, percentile, REDIS_URL, removeKeys } from './support.js';

const API_KEY = 'sk-bench-reload-0123456789abcdef';
const ADMIN_KEY = 'sk-bench-reload-admin-0123456789';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

const providersFile = (rpm: number) =>
  JSON.stringify({
    providers: [
      { id: 'a', type: 'simulated', models: { m: { rpm } } },
      { id: 'b', type: 'simulated', models: { m: { rpm } } },
    ],
  });

/**
 * What a providers reload costs: `npm run api` and `npm run worker` processes as they run in
 * production (their real entry points, PROVIDERS_FILE, one Redis); the file changes, then either
 * POST /admin/reload or SIGHUP to one worker, and the time until every process reports the new
 * version (each writes the version it runs into Redis as it switches).
 */
export async function benchReload(workers = 3, rounds = 10) {
  const prefix = benchPrefix('reload');
  const dir = mkdtempSync(join(tmpdir(), 'spillway-bench-reload-'));
  const file = join(dir, 'providers.json');
  writeFileSync(file, providersFile(30));
  const port = await freePort();
  const env = {
    ...process.env,
    REDIS_URL,
    QUEUE_PREFIX: prefix,
    PROVIDERS_FILE: file,
    API_KEYS: `bench:${API_KEY}`,
    ADMIN_KEY,
    WEBHOOK_SECRET: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    PORT: String(port),
    LOG_LEVEL: 'silent',
  };
  const start = (entry: string) =>
    spawn(process.execPath, ['--import', 'tsx', '--conditions=source', entry], { env, stdio: 'ignore' });
  const children: ChildProcess[] = [start('apps/api/src/main.ts')];
  for (let i = 0; i < workers; i++) children.push(start('apps/worker/src/main.ts'));
  const redis = new Redis(REDIS_URL);
  const versions = async () => Object.values(await redis.hgetall(providersKeys(prefix).processes));
  const allOn = async (version: string | null, timeoutMs: number) => {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const seen = await versions();
      if (seen.length === children.length && new Set(seen).size === 1 && (!version || seen[0] === version))
        return seen[0]!;
      if (performance.now() > deadline) throw new Error(`bench: processes on ${seen.join(', ')}`);
      await new Promise((r) => setTimeout(r, 2));
    }
  };
  try {
    await allOn(null, 60_000);
    await waitForHttp(`http://127.0.0.1:${port}/readyz`);
    const viaAdmin: number[] = [];
    const viaSighup: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const useSignal = round % 2 === 1;
      writeFileSync(file, providersFile(31 + round));
      const started = performance.now();
      let version: string;
      if (useSignal) {
        const before = await redis.hget(providersKeys(prefix).published, 'version');
        children[1]!.kill('SIGHUP');
        version = await nextVersion(redis, prefix, before, started);
      } else {
        const answer = await fetch(`http://127.0.0.1:${port}/admin/reload`, {
          method: 'POST',
          headers: { authorization: `Bearer ${ADMIN_KEY}` },
        });
        if (answer.status !== 200) throw new Error(`bench: reload answered ${answer.status}`);
        version = ((await answer.json()) as { providersVersion: string }).providersVersion;
      }
      await allOn(version, 10_000);
      (useSignal ? viaSighup : viaAdmin).push(performance.now() - started);
    }
    const figures = (ms: number[]) => {
      const sorted = [...ms].sort((a, b) => a - b);
      return { medianMs: Math.round(percentile(sorted, 50)), maxMs: Math.round(sorted.at(-1) ?? 0) };
    };
    return {
      processes: children.length,
      rounds,
      adminReload: figures(viaAdmin),
      sighup: figures(viaSighup),
    };
  } finally {
    await Promise.all(
      children.map(
        (child) =>
          new Promise((resolve) => {
            if (child.exitCode !== null) return resolve(null);
            child.once('exit', resolve);
            child.kill('SIGTERM');
          }),
      ),
    );
    await redis.quit();
    rmSync(dir, { recursive: true, force: true });
    await removeKeys(REDIS_URL, prefix);
  }
}

/** The version published after `since` (a SIGHUP gives no answer to read it from). */
async function nextVersion(
  redis: Redis,
  prefix: string,
  before: string | null,
  since: number,
): Promise<string> {
  for (;;) {
    const now = await redis.hget(providersKeys(prefix).published, 'version');
    if (now && now !== before) return now;
    if (performance.now() - since > 10_000) throw new Error('bench: SIGHUP published nothing');
    await new Promise((r) => setTimeout(r, 1));
  }
}

async function waitForHttp(url: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`bench: ${url} never answered`);
}
