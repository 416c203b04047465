import { interactivePriority, type JobPriority } from '@spillway/core';
import type { JobsOptions } from 'bullmq';
import { withFields } from '../with-fields.js';

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

/** The options of a job submitted on its own: its id, and its rung on the priority ladder. */
export function interactiveJobOptions(
  jobId: string,
  priority: JobPriority | undefined,
): JobsOptions & { jobId: string } {
  return withFields(jobOptions, { jobId, priority: interactivePriority(priority) });
}
