import { z } from 'zod';

/**
 * The one place that turns what a request asks for into a BullMQ priority.
 *
 * BullMQ runs jobs without a priority (its `wait` list) before any prioritized job, and prioritized
 * jobs lowest number first, FIFO within a number. A job added without a priority would therefore
 * jump every prioritized one, a "high" job included. So every job of the jobs queue gets a number
 * from this ladder, and nothing else sets one:
 *
 *   1, 2, 3              interactive jobs (POST /v1/plans, /v1/coaching): high, normal, low
 *   4 …                  batch items, in three bands (the whole batch's high, normal, low), each
 *                        band climbing with the tenant's backlog (below)
 *
 * Interactive jobs never queue behind a batch. Inside a band, batch item k of a tenant whose earlier
 * batches still have `backlog` unfinished items gets band start + floor((backlog + k) / PRIORITY_STEP):
 * a tenant that submits 20 items behind another tenant's 2,000 is level with the first 100 of those
 * and is served after about PRIORITY_STEP of them, not after all of them.
 */
export const JobPrioritySchema = z
  .enum(['high', 'normal', 'low'])
  .describe('Runs before (high) or after (low) normal jobs of its kind; a batch says it for all its items');
export type JobPriority = z.infer<typeof JobPrioritySchema>;

export const DEFAULT_PRIORITY: JobPriority = 'normal';

export const PRIORITY_STEP = 100;

const LEVELS: Readonly<Record<JobPriority, number>> = { high: 0, normal: 1, low: 2 };

/** BullMQ's lowest priority (its largest number, 2^21 - 1). */
const BULLMQ_LOWEST = 2_097_151;
const BATCH_FIRST = 1 + Object.keys(LEVELS).length;
const BATCH_BAND = Math.floor((BULLMQ_LOWEST - BATCH_FIRST + 1) / Object.keys(LEVELS).length);

/** The BullMQ priority of a job submitted on its own (and of the coaching job chained to it). */
export function interactivePriority(level: JobPriority = DEFAULT_PRIORITY): number {
  return 1 + LEVELS[level];
}

/** The BullMQ priority of item `index` of a batch asked at `level`, behind the tenant's `backlog`. */
export function batchItemPriority(level: JobPriority, backlog: number, index: number): number {
  const climb = Math.min(BATCH_BAND - 1, Math.floor((backlog + index) / PRIORITY_STEP));
  return BATCH_FIRST + LEVELS[level] * BATCH_BAND + climb;
}
