import { createRedis, type Instance, orderCandidates, Pool, Secret } from '@spillway/core';
import hdr from 'hdr-histogram-js';
import { benchPrefix, REDIS_URL, removeKeys } from './support.js';

/**
 * Latency of one choice + reservation (the Lua call every provider call makes), sequentially, on
 * loopback Redis, over ten instances in four tiers with known limits.
 */
export async function benchChoiceLatency(calls = 20_000) {
  const prefix = benchPrefix('choice');
  const redis = createRedis({ url: REDIS_URL, cluster: false }, `${prefix}:bench`);
  const pool = new Pool({ redis, prefix });
  const instances: Instance[] = Array.from({ length: 10 }, (_, i) => ({
    id: `p${i % 3}/m${i}`,
    providerId: `p${i % 3}`,
    type: i < 5 ? 'groq' : 'cerebras',
    model: `m${i}`,
    baseUrl: 'http://127.0.0.1:1/v1',
    limits: { rpm: 1_000_000, tpm: 1_000_000_000, rpd: 10_000_000 },
    free: true,
    apiKey: new Secret('x'),
  }));
  const candidates = orderCandidates(instances, instances[0]!);
  const histogram = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 10_000_000,
    numberOfSignificantValueDigits: 3,
  });
  for (let i = 0; i < 500; i++) await pool.choose(candidates, 200); // warm up EVALSHA and the JIT
  for (let i = 0; i < calls; i++) {
    const start = process.hrtime.bigint();
    const choice = await pool.choose(candidates, 200);
    histogram.recordValue(Number(process.hrtime.bigint() - start) / 1000); // µs
    if (choice.kind !== 'reserved') throw new Error('bench: expected a reservation');
  }
  await redis.quit();
  await removeKeys(REDIS_URL, prefix);
  const ms = (us: number) => Math.round(us) / 1000;
  return {
    calls,
    p50Ms: ms(histogram.getValueAtPercentile(50)),
    p99Ms: ms(histogram.getValueAtPercentile(99)),
    maxMs: ms(histogram.maxValue),
  };
}
