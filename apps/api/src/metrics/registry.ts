import type { Pool, ProvidersSource, RedisClient } from '@spillway/core';
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { ObservedQueues } from './observed-queues.js';
import { registerPoolMetrics } from './pool-metrics.js';
import { registerQueueMetrics } from './queue-metrics.js';
import { registerWorkerTotals } from './worker-totals.js';

export interface MetricsDeps {
  redis: RedisClient;
  /** QUEUE_PREFIX as configured. */
  prefix: string;
  queues: ObservedQueues;
  pool: Pool;
  providers: ProvidersSource;
  clock: () => number;
  /** Where to register; a fresh registry when omitted (never prom-client's global one). */
  registry?: Registry;
}

/**
 * Everything /metrics serves: this process (prom-client's defaults), the queues and the pool as they
 * are at scrape time, and the totals the workers keep in Redis.
 */
export function createMetricsRegistry(deps: MetricsDeps): Registry {
  const registry = deps.registry ?? new Registry();
  collectDefaultMetrics({ register: registry });
  registerQueueMetrics(registry, {
    queues: deps.queues,
    redis: deps.redis,
    prefix: deps.prefix,
    clock: deps.clock,
  });
  registerPoolMetrics(registry, { pool: deps.pool, providers: deps.providers });
  registerWorkerTotals(registry, { redis: deps.redis, prefix: deps.prefix });
  return registry;
}
