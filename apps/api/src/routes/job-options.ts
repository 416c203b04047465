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

/** How long a job may wait for capacity when the request names no deadline. */
const DEFAULT_DEADLINE_SECONDS = 86_400;

/** The moment past which a job still waiting for capacity fails with capacity_exhausted. */
export function deadlineAt(now: number, deadlineSeconds: number | undefined): number {
  return now + (deadlineSeconds ?? DEFAULT_DEADLINE_SECONDS) * 1000;
}
