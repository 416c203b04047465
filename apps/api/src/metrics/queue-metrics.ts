import { type RedisClient, waitingCount } from '@spillway/core';
import type { Registry } from 'prom-client';
import type { ObservedQueues } from './observed-queues.js';
import { registerSnapshotMetric, sharedRead } from './snapshot-metric.js';

const STATES = [
  'waiting',
  'prioritized',
  'waiting-children',
  'delayed',
  'active',
  'completed',
  'failed',
] as const;
type State = (typeof STATES)[number];

export interface QueueMetricsDeps {
  queues: ObservedQueues;
  redis: RedisClient;
  /** The key prefix (QUEUE_PREFIX): the waiting count lives under it. */
  prefix: string;
  clock: () => number;
}

export function registerQueueMetrics(registry: Registry, deps: QueueMetricsDeps): void {
  const counts = sharedRead(() =>
    Promise.all(
      deps.queues.all.map(async ({ name, queue }) => ({
        name,
        counts: (await queue.getJobCounts(...STATES)) as Record<State, number>,
      })),
    ),
  );
  registerSnapshotMetric(registry, {
    name: 'spillway_queue_jobs',
    type: 'gauge',
    help: 'Jobs in each BullMQ queue (jobs, webhooks) by state; waiting + prioritized + delayed + active is the depth.',
    read: async () =>
      (await counts()).flatMap(({ name, counts }) =>
        STATES.map((state) => ({ labels: { queue: name, state }, value: counts[state] ?? 0 })),
      ),
  });
  registerSnapshotMetric(registry, {
    name: 'spillway_waiting_for_capacity',
    type: 'gauge',
    help: 'Jobs parked until an instance they may use frees (each is waiting_for_capacity in its view).',
    read: async () => [{ labels: {}, value: await waitingCount(deps.redis, deps.prefix) }],
  });
}
