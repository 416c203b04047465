import { spawn } from 'node:child_process';
import { buildApi, createAuthenticator } from '@spillway/api';
import {
  closeRedis,
  createAdapters,
  createLogger,
  createRedis,
  type InstanceState,
  loadProviders,
  Secret,
} from '@spillway/core';
import { createSimulator, defaultSimulatedModels } from '@spillway/simulator';
import { startWorker } from '@spillway/worker';
import { benchPrefix, REDIS_URL, removeKeys } from './support.js';

const KEY = 'sk-bench-demo-batch-0123456789';
const MINUTE_MS = 60_000;

/**
 * The default demo, as `npm start` runs it: the built-in providers (two simulated credentials ×
 * three models, the catalog's limits) against the built-in simulator (which, like a real provider,
 * limits each credential × model), one worker at the default concurrency, a batch of `items` plans
 * over HTTP. The bound is what the combined per-minute request limits allow: with R calls per
 * minute across the pool, call k (0-based) can start no sooner than floor(k / R) minutes in, plus
 * one provider latency. Halfway through, /v1/pool, the pool page's /admin/pool.json and
 * `spillway pool --json` are read back to back and compared instance by instance.
 */
export async function benchDemoBatch(items = 250) {
  const models = defaultSimulatedModels();
  const sim = await createSimulator({ models, latencyMs: 300 });
  const prefix = benchPrefix('demo');
  const { instances, defaults } = loadProviders({ fileText: null, env: {}, simulatorUrl: sim.url });
  const redis = createRedis({ url: REDIS_URL, cluster: false }, `${prefix}:api`);
  const logger = createLogger({ level: 'silent' });
  const app = await buildApi({
    redis,
    prefix,
    instances,
    coachingDefaults: defaults.coaching,
    authenticator: createAuthenticator([{ tenant: 'bench', key: new Secret(KEY) }]),
    logger,
    adminKey: new Secret(KEY),
  });
  const worker = await startWorker({
    redis: { url: REDIS_URL, cluster: false },
    prefix,
    concurrency: 50,
    instances,
    adapterFor: createAdapters({ timeoutMs: 30_000 }),
    logger,
  });
  const auth = { authorization: `Bearer ${KEY}` };
  try {
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    const body = Array.from({ length: items }, (_, i) =>
      JSON.stringify({
        customId: `day-${i}`,
        description: `Day ${i}: write the report, gym at noon, call the bank`,
      }),
    ).join('\n');
    const started = performance.now();
    const accepted = await fetch(`${url}/v1/batches`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/x-ndjson' },
      body,
    });
    if (accepted.status !== 202)
      throw new Error(`batch refused: ${accepted.status} ${await accepted.text()}`);
    const batchId = ((await accepted.json()) as { id: string }).id;
    let views: PoolViews | undefined;
    let counts: Record<string, number> = {};
    for (;;) {
      const batch = (await (await fetch(`${url}/v1/batches/${batchId}`, { headers: auth })).json()) as {
        counts: Record<string, number>;
      };
      counts = batch.counts;
      const done = (counts.completed ?? 0) + (counts.failed ?? 0) + (counts.cancelled ?? 0);
      if (!views && done >= items / 2) views = await readPoolViews(url);
      if (done >= items) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const elapsedMs = performance.now() - started;
    const perMinute = instances.reduce((sum, i) => sum + (i.limits.rpm ?? 0), 0);
    const boundMs = Math.floor((items - 1) / perMinute) * MINUTE_MS + 300;
    const upstream429 = Object.values(sim.stats()).reduce((n, s) => n + s.rateLimited, 0);
    return {
      items,
      instances: instances.length,
      requestsPerMinute: perMinute,
      completed: counts.completed ?? 0,
      failed: counts.failed ?? 0,
      upstream429,
      elapsedMs: Math.round(elapsedMs),
      boundMs,
      timeVsBound: Math.round((elapsedMs / boundMs) * 100) / 100,
      poolViewsAgree: views ? views.agree : false,
      poolViewDifferences: views ? views.differences : ['never read'],
    };
  } finally {
    await worker.close();
    await app.close();
    await closeRedis(redis);
    await sim.close();
    await removeKeys(REDIS_URL, prefix);
  }

  interface PoolViews {
    agree: boolean;
    differences: string[];
  }

  /** The three ways to look at the pool, read back to back: their states and minute usage must match. */
  async function readPoolViews(url: string): Promise<PoolViews> {
    const [api, page, cli] = await Promise.all([
      fetch(`${url}/v1/pool`, { headers: auth }).then(
        (r) => r.json() as Promise<{ instances: InstanceState[] }>,
      ),
      fetch(`${url}/admin/pool.json`, { headers: auth }).then(
        (r) => r.json() as Promise<{ instances: InstanceState[] }>,
      ),
      cliPool(url),
    ]);
    const story = (views: { instances: InstanceState[] }) =>
      new Map(views.instances.map((i) => [i.id, `${i.state} ${i.windows.minute.requests.used}`]));
    const [a, b, c] = [story(api), story(page), story(cli)];
    const differences: string[] = [];
    for (const [id, told] of a) {
      // Calls finish between the three reads: usage may move by a few, the state must not differ.
      const near = (other: string | undefined) => {
        const [state, used] = (other ?? '').split(' ');
        const [myState, myUsed] = told.split(' ');
        return state === myState && Math.abs(Number(used) - Number(myUsed)) <= 10;
      };
      if (!near(b.get(id))) differences.push(`${id}: /v1/pool ${told}, pool page ${b.get(id)}`);
      if (!near(c.get(id))) differences.push(`${id}: /v1/pool ${told}, spillway pool ${c.get(id)}`);
    }
    return { agree: differences.length === 0, differences };
  }
}

async function cliPool(url: string): Promise<{ instances: InstanceState[] }> {
  const child = spawn(process.execPath, ['apps/cli/bin/spillway.js', 'pool', '--json'], {
    env: { PATH: process.env.PATH ?? '', SPILLWAY_URL: url, SPILLWAY_API_KEY: KEY },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  await new Promise((resolve) => child.once('exit', resolve));
  return JSON.parse(out) as { instances: InstanceState[] };
}
