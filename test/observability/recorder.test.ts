import {
  closeRedis,
  createLogger,
  createRedis,
  LATENCY_BUCKETS_SECONDS,
  type RedisClient,
  readStoredMetrics,
  type StoredSample,
} from '@spillway/core';
import { afterEach, describe, expect, it } from 'vitest';
import { MetricsRecorder } from '../../apps/worker/src/metrics/index.js';
import { hasRedisServer, type PrivateRedis, startPrivateRedis } from '../support/private-redis.js';
import { testRedis } from '../support/redis.js';
import { uniquePrefix } from '../support/tracked.js';

const silent = createLogger({ level: 'silent' });

function total(samples: StoredSample[], name: string, labels: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

describe('worker metrics: counted in memory, added to Redis in batches', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  function connection(url: string, prefix: string, extra = {}): RedisClient {
    const redis = createRedis({ url, cluster: false }, `${prefix}:recorder`, extra);
    cleanup.push(() => closeRedis(redis));
    return redis;
  }

  it.runIf(hasRedisServer())(
    'costs no Redis command per count, and one transaction per flush however many counts',
    async () => {
      const server = await startPrivateRedis();
      cleanup.push(() => server.stop());
      const prefix = uniquePrefix('recorder');
      const redis = connection(server.url, prefix);
      await redis.ping();
      const recorder = new MetricsRecorder({ redis, prefix, logger: silent, flushEveryMs: 0 });
      const before = await server.commandsProcessed();
      for (let i = 0; i < 5000; i++) {
        recorder.add('spillway_provider_requests_total', { instance: `p${i % 2}/m`, outcome: 'ok' });
        recorder.observe(
          'spillway_provider_latency_seconds',
          { instance: 'p0/m' },
          0.3,
          LATENCY_BUCKETS_SECONDS,
        );
      }
      expect(await server.commandsProcessed()).toBe(before);

      await recorder.flush();
      const stored = await readStoredMetrics(redis, prefix);
      // MULTI, one HINCRBY per distinct field (2 counters, the buckets, sum, count), EXEC, HGETALL.
      const fields = stored.length;
      expect(await server.commandsProcessed()).toBe(before + fields + 3);
      expect(total(stored, 'spillway_provider_requests_total', { instance: 'p0/m' })).toBe(2500);
      expect(total(stored, 'spillway_provider_requests_total', { instance: 'p1/m' })).toBe(2500);
      expect(total(stored, 'spillway_provider_latency_seconds_count')).toBe(5000);
      expect(total(stored, 'spillway_provider_latency_seconds_sum')).toBeCloseTo(1500, 6);
      const bucket = (le: string) => total(stored, 'spillway_provider_latency_seconds_bucket', { le });
      expect([bucket('0.25'), bucket('0.5'), bucket('+Inf')]).toEqual([0, 5000, 5000]);
      // Every bucket exists from the first observation, the empty ones at 0 (quantiles need them all).
      const buckets = stored.filter((s) => s.name === 'spillway_provider_latency_seconds_bucket');
      expect(buckets).toHaveLength(LATENCY_BUCKETS_SECONDS.length + 1);

      // Nothing new counted: a flush sends nothing at all.
      const idle = await server.commandsProcessed();
      await recorder.flush();
      expect(await server.commandsProcessed()).toBe(idle);
      await recorder.close();
    },
  );

  it('sums the counts of every process into the same totals, and flushes on its own', async () => {
    const prefix = uniquePrefix('recorder');
    const [a, b] = [
      new MetricsRecorder({ redis: testRedisFor(prefix, 'a'), prefix, logger: silent, flushEveryMs: 0 }),
      new MetricsRecorder({ redis: testRedisFor(prefix, 'b'), prefix, logger: silent, flushEveryMs: 20 }),
    ];
    a.add('spillway_jobs_finished_total', { kind: 'plan', status: 'completed' }, 2);
    b.add('spillway_jobs_finished_total', { status: 'completed', kind: 'plan' }, 3);
    await a.flush();
    const reader = testRedisFor(prefix, 'reader');
    let stored = await readStoredMetrics(reader, prefix);
    for (let i = 0; i < 100 && total(stored, 'spillway_jobs_finished_total') < 5; i++) {
      await new Promise((r) => setTimeout(r, 20));
      stored = await readStoredMetrics(reader, prefix);
    }
    // Label order does not matter: both land in one field.
    expect(stored).toEqual([
      { name: 'spillway_jobs_finished_total', labels: { kind: 'plan', status: 'completed' }, value: 5 },
    ]);
    await a.close();
    await b.close();
  });

  it.runIf(hasRedisServer())('keeps the counts of a failed flush and writes them with the next', async () => {
    const server: PrivateRedis = await startPrivateRedis();
    cleanup.push(() => server.stop());
    const prefix = uniquePrefix('recorder');
    // As the API's connection: no offline queue, so a command fails at once while Redis is down.
    const redis = connection(server.url, prefix, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => 20,
    });
    redis.on('error', () => {});
    await ready(redis);
    const warnings: string[] = [];
    const logger = createLogger({
      level: 'warn',
      destination: { write: (line: string) => warnings.push(line) },
    });
    const recorder = new MetricsRecorder({ redis, prefix, logger, flushEveryMs: 0 });
    recorder.add('spillway_provider_429_total', { instance: 'p1/m' }, 4);
    await server.kill();
    await recorder.flush();
    expect(warnings.join('')).toContain('could not write metrics');

    recorder.add('spillway_provider_429_total', { instance: 'p1/m' });
    await server.restart();
    await ready(redis);
    await recorder.close();
    expect(await readStoredMetrics(redis, prefix)).toEqual([
      { name: 'spillway_provider_429_total', labels: { instance: 'p1/m' }, value: 5 },
    ]);
  });

  function testRedisFor(prefix: string, role: string): RedisClient {
    const redis = testRedis(prefix, role);
    cleanup.push(() => closeRedis(redis));
    return redis;
  }
});

async function ready(redis: RedisClient): Promise<void> {
  for (let i = 0; i < 250 && redis.status !== 'ready'; i++) await new Promise((r) => setTimeout(r, 20));
  expect(redis.status).toBe('ready');
}
