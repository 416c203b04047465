import { hashTaggedPrefix, JOBS_QUEUE, type JobData, type JobResult } from '@spillway/core';
import { Queue } from 'bullmq';
import { redisUrl, testRedisOptions } from './redis.js';

/**
 * A queue handle on the jobs queue of a test prefix. BullMQ owns its connection (options, not an
 * instance), so `queue.close()` closes it; the name carries the prefix for the leak guard.
 */
export function jobsQueue(prefix: string, url = redisUrl()): Queue<JobData, JobResult> {
  return new Queue<JobData, JobResult>(JOBS_QUEUE, {
    connection: testRedisOptions(prefix, 'enqueue', url),
    prefix: hashTaggedPrefix(prefix),
  });
}

export function planJob(index: number, extra: Partial<JobData> = {}): JobData {
  const now = Date.now();
  return {
    kind: 'plan',
    tenant: 'load',
    createdAt: now,
    deadlineAt: now + 3_600_000,
    plan: { description: `Task ${index}: write, review and ship; lunch; gym` },
    ...extra,
  };
}

/** Adds `count` plan jobs in bulk, as the API would (same data shape, retries for 5xx). */
export async function enqueuePlans(
  queue: Queue<JobData, JobResult>,
  count: number,
  extra: Partial<JobData> = {},
  firstIndex = 0,
) {
  const jobs = Array.from({ length: count }, (_, n) => {
    const i = firstIndex + n;
    return {
      name: 'plan',
      data: planJob(i, extra),
      opts: {
        jobId: `job_load${i.toString().padStart(6, '0')}x`,
        attempts: 4,
        backoff: { type: 'exponential', delay: 500 },
      },
    };
  });
  for (let i = 0; i < jobs.length; i += 1000) await queue.addBulk(jobs.slice(i, i + 1000));
}

/** Waits until every job of the queue is completed or failed; returns the counts. */
export async function drained(
  queue: Queue<JobData, JobResult>,
  total: number,
  timeoutMs: number,
): Promise<{ completed: number; failed: number }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const counts = await queue.getJobCounts('completed', 'failed');
    if ((counts.completed ?? 0) + (counts.failed ?? 0) >= total) {
      return { completed: counts.completed ?? 0, failed: counts.failed ?? 0 };
    }
    if (Date.now() > deadline) throw new Error(`not drained in ${timeoutMs} ms: ${JSON.stringify(counts)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export { redisUrl };
