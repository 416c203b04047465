import {
  type BatchRecord,
  type JobData,
  type JobResult,
  markBatchCancelled,
  parseBatchEntry,
  readBatch,
  readBatchEntries,
  recordBatchItemFinished,
} from '@spillway/core';
import { Job } from 'bullmq';
import type { ApiContext } from '../context.js';
import { withdrawJobs } from '../withdraw-jobs.js';
import { RESULTS_PAGE } from './results.js';

type AnyJob = Job<JobData, JobResult>;

/** States of a job that has not started (or waits between two runs): safe to take out of the queue. */
const NOT_STARTED = new Set(['waiting', 'prioritized', 'delayed', 'waiting-children']);

/**
 * Cancels a batch: every item that has not started is removed from the queue at once and counted
 * as cancelled; running items finish as they would have. Returns the record as it stands after.
 * A batch that has finished already is left as it is.
 */
export async function cancelBatch(ctx: ApiContext, record: BatchRecord): Promise<BatchRecord> {
  const at = ctx.clock();
  const stamped = await markBatchCancelled(ctx.redis, ctx.prefix, record.id, at);
  if (!stamped && record.cancelledAt === undefined) return record;
  for (let start = 0; start < record.total; start += RESULTS_PAGE) {
    const entries = await readBatchEntries(ctx.redis, ctx.prefix, record.id, start, start + RESULTS_PAGE - 1);
    if (entries.length === 0) break;
    await Promise.all(
      entries.map(async (entry) => {
        const { jobId } = parseBatchEntry(entry);
        if (await cancelItem(ctx, record.tenant, jobId, at)) {
          await recordBatchItemFinished(ctx.redis, ctx.prefix, record.id, jobId, 'cancelled', at);
        }
      }),
    );
  }
  return (await readBatch(ctx.redis, ctx.prefix, record.id)) ?? record;
}

/**
 * Removes the item's jobs that have not started: the plan (with its coaching parent), or only the
 * coaching job when the plan completed already. Each removed job keeps its final view in a cancel
 * mark, written first, so a worker that grabs the job in between ends it as cancelled too.
 * True when the item is cancelled now.
 */
async function cancelItem(ctx: ApiContext, tenant: string, planId: string, at: number): Promise<boolean> {
  const plan = await Job.fromId<JobData, JobResult>(ctx.queue, planId);
  if (!plan) return false;
  const coaching = plan.data.coachingJobId
    ? await Job.fromId<JobData, JobResult>(ctx.queue, plan.data.coachingJobId)
    : undefined;
  const [planState, coachingState] = await Promise.all([plan.getState(), coaching?.getState()]);

  let doomed: AnyJob[];
  if (NOT_STARTED.has(planState)) doomed = coaching ? [coaching, plan] : [plan];
  else if (planState === 'completed' && coaching && NOT_STARTED.has(coachingState ?? '')) doomed = [coaching];
  else return false;

  const { removed } = await withdrawJobs(ctx, tenant, doomed, at, { withCoaching: false });
  return removed;
}
