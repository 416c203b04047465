import type { RedisClient } from '@spillway/core';
import { JOBS_LIMITER } from '@spillway/core';
import type { Queue } from 'bullmq';
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

/**
 * Delayed jobs read per scrape to tell capacity waits from retry backoffs. Beyond this many, the
 * share found among the first ones (the soonest due) stands for the rest: a scrape stays cheap
 * however many jobs wait.
 */
const DELAYED_INSPECTED = 1000;

export interface QueueMetricsDeps {
  queues: ObservedQueues;
  redis: RedisClient;
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
    help:
      'Jobs waiting for a provider instance to free: every queued job while the whole queue is paused ' +
      'for capacity, plus delayed jobs held until an instance they may use frees.',
    read: async () => {
      const jobs = (await counts()).find(({ name }) => name === deps.queues.jobs.name)!.counts;
      const [ttl, delayed] = await Promise.all([
        deps.queues.jobs.getRateLimitTtl(JOBS_LIMITER.max),
        delayedForCapacity(deps, deps.queues.jobs, jobs.delayed),
      ]);
      const queued = ttl > 0 ? jobs.waiting + jobs.prioritized : 0;
      return [{ labels: {}, value: queued + delayed }];
    },
  });
}

/** Delayed jobs whose progress says they wait for capacity (the others wait out a retry backoff). */
async function delayedForCapacity(
  deps: QueueMetricsDeps,
  jobs: Queue,
  delayedCount: number,
): Promise<number> {
  if (delayedCount === 0) return 0;
  const ids = await deps.redis.zrange(jobs.keys.delayed!, 0, DELAYED_INSPECTED - 1);
  if (ids.length === 0) return 0;
  const pipeline = deps.redis.pipeline();
  for (const id of ids) pipeline.hget(jobs.toKey(id), 'progress');
  const replies = (await pipeline.exec()) ?? [];
  const now = deps.clock();
  let waiting = 0;
  for (const [err, progress] of replies) {
    if (!err && waitingUntil(progress) > now) waiting++;
  }
  return ids.length < delayedCount ? Math.round((waiting * delayedCount) / ids.length) : waiting;
}

function waitingUntil(progress: unknown): number {
  if (typeof progress !== 'string') return 0;
  try {
    const parsed = JSON.parse(progress) as { waitingUntil?: unknown };
    return typeof parsed.waitingUntil === 'number' ? parsed.waitingUntil : 0;
  } catch {
    return 0;
  }
}
