import { hashTaggedPrefix, OBSERVED_QUEUES, type RedisClient } from '@spillway/core';
import { Queue } from 'bullmq';

export interface ObservedQueues {
  /** Every observed queue by name: the jobs queue first, then webhook deliveries. */
  all: ReadonlyArray<{ name: string; queue: Queue }>;
  jobs: Queue;
  close(): Promise<void>;
}

/**
 * The queues that /metrics and the dashboard read. The jobs queue is the app's own; the others are
 * opened here, on the app's shared connection (BullMQ opens no connection of its own for them).
 */
export function openObservedQueues(redis: RedisClient, prefix: string, jobs: Queue): ObservedQueues {
  const opened: Queue[] = [];
  const all = OBSERVED_QUEUES.map((name) => {
    if (name === jobs.name) return { name, queue: jobs };
    const queue = new Queue(name, { connection: redis, prefix: hashTaggedPrefix(prefix) });
    opened.push(queue);
    return { name, queue };
  });
  return {
    all,
    jobs,
    async close() {
      await Promise.all(opened.map((queue) => queue.close()));
    },
  };
}
