import { closeRedis, hashTaggedPrefix, JOBS_QUEUE } from '@spillway/core';
import { Queue } from 'bullmq';
import { testRedis } from '../support/redis.js';
import type { Stack } from '../support/stack.js';

/** How many jobs the stack's queue holds, in any state: what a request really created. */
export async function countJobs(stack: Stack): Promise<number> {
  const redis = testRedis(stack.prefix, 'count');
  const queue = new Queue(JOBS_QUEUE, { connection: redis, prefix: hashTaggedPrefix(stack.prefix) });
  try {
    const counts = await queue.getJobCounts();
    return Object.values(counts).reduce((sum, n) => sum + n, 0);
  } finally {
    await queue.close();
    await closeRedis(redis);
  }
}
