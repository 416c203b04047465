import { buildApi, connectApiRedis, createAuthenticator } from '@spillway/api';
import { closeRedis, createLogger, loadProviders, Secret } from '@spillway/core';
import { benchPrefix, median, REDIS_URL, removeKeys } from './support.js';

const KEY = 'sk-bench-batch-accept-0123456789';

/**
 * `POST /v1/batches` with 10,000 NDJSON items over loopback HTTP, against a real Redis and no
 * worker: validation, fair priorities, the batch record and 10,000 BullMQ jobs, until the 202.
 * The first batch meets a fresh API (cold JIT, scripts not yet loaded into Redis); `acceptMs` is
 * the median of the `warm` ones after it, what a running API gives.
 */
export async function benchBatchAccept(
  items = 10_000,
  warm = 3,
): Promise<{ items: number; firstMs: number; acceptMs: number; warmMs: number[] }> {
  const prefix = benchPrefix('batch');
  const { instances, defaults } = loadProviders({
    fileText: JSON.stringify({ providers: [{ id: 'sim', type: 'simulated', models: ['sim-small'] }] }),
    env: {},
    simulatorUrl: 'http://127.0.0.1:1/v1',
  });
  // The API's own connection, as `npm run api` opens it.
  const redis = await connectApiRedis({ url: REDIS_URL, cluster: false }, `${prefix}:api`);
  const app = await buildApi({
    redis,
    prefix,
    instances,
    coachingDefaults: defaults.coaching,
    authenticator: createAuthenticator([{ tenant: 'bench', key: new Secret(KEY) }]),
    logger: createLogger({ level: 'silent' }),
  });
  try {
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    const body = Array.from({ length: items }, (_, i) =>
      JSON.stringify({
        customId: `item-${i}`,
        description: `Day ${i}: write the report, gym at noon, call the bank`,
      }),
    ).join('\n');
    const accept = async () => {
      const started = performance.now();
      const response = await fetch(`${url}/v1/batches`, {
        method: 'POST',
        headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/x-ndjson' },
        body,
      });
      const ms = Math.round(performance.now() - started);
      if (response.status !== 202)
        throw new Error(`bench: batch refused with ${response.status}: ${await response.text()}`);
      return ms;
    };
    const firstMs = await accept();
    const warmMs: number[] = [];
    for (let i = 0; i < warm; i++) warmMs.push(await accept());
    return { items, firstMs, acceptMs: median(warmMs), warmMs };
  } finally {
    await app.close();
    await closeRedis(redis);
    await removeKeys(REDIS_URL, prefix);
  }
}
