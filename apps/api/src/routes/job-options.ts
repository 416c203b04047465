import type { JobsOptions } from 'bullmq';

/**
 * Retries are for transient provider failures only (5xx, timeouts): rate limits never spend one.
 * Finished jobs stay readable for a week.
 */
export const jobOptions: JobsOptions = {
  attempts: 4,
  backoff: { type: 'exponential', delay: 2000 },
  removeOnComplete: { age: 7 * 86_400 },
  removeOnFail: { age: 7 * 86_400 },
};
