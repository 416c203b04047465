import {
  type CancelMark,
  cancelledView,
  cancelMarkKey,
  type JobData,
  type JobResult,
  type JobStatus,
  type JobView,
  parseCancelMark,
  placeInLine,
  progressOf,
  toJobView,
} from '@spillway/core';
import { Job } from 'bullmq';
import type { ApiContext } from './context.js';
import { isJobId } from './job-ids.js';

/** The tenant's job, or null (another tenant's job is the same as no job: 404). */
export async function findJob(
  ctx: ApiContext,
  tenant: string,
  id: string,
): Promise<Job<JobData, JobResult> | null> {
  if (!isJobId(id)) return null;
  const job = await Job.fromId<JobData, JobResult>(ctx.queue, id);
  if (!job || job.data.tenant !== tenant) return null;
  return job;
}

/** The tenant's job view: the live job's, or the final view a cancel kept of a job it removed. */
export async function loadView(ctx: ApiContext, tenant: string, id: string): Promise<JobView | null> {
  const job = await findJob(ctx, tenant, id);
  if (job) return viewOf(ctx, job);
  if (!isJobId(id)) return null;
  const mark = await readCancelMark(ctx, id);
  return mark?.tenant === tenant && mark.view ? mark.view : null;
}

/**
 * The view of a job this request has just enqueued, from what it wrote: a new job is queued, has
 * no attempts and no cancel mark, and its coaching job (if any) waits for it. Reading it back from
 * Redis would cost four round trips per submission for an answer known in advance.
 */
export function enqueuedView(ctx: ApiContext, job: Job<JobData, JobResult>): JobView {
  return toJobView(job, 'waiting', {
    now: ctx.clock(),
    coachingStatus: job.data.coachingJobId ? 'queued' : undefined,
  });
}

export async function readCancelMark(ctx: ApiContext, id: string): Promise<CancelMark | null> {
  return parseCancelMark(await ctx.redis.get(cancelMarkKey(ctx.prefix, id)));
}

export async function viewOf(
  ctx: ApiContext,
  job: Job<JobData, JobResult>,
  withCoaching = true,
): Promise<JobView> {
  const coachingId = withCoaching ? job.data.coachingJobId : undefined;
  const parked = progressOf(job).parked;
  const [state, place, coachingStatus, mark] = await Promise.all([
    job.getState(),
    parked ? placeInLine(ctx.redis, ctx.prefix, parked.line, job.id!, job.data.batchId) : null,
    coachingId ? statusOfJob(ctx, coachingId) : undefined,
    readCancelMark(ctx, job.id!),
  ]);
  // The job was read before its state: one that finished in between is read again, or its view
  // would say "completed" without the result (or "failed" without the reason).
  if ((state === 'completed' || state === 'failed') && !job.finishedOn) {
    job = (await Job.fromId<JobData, JobResult>(ctx.queue, job.id!)) ?? job;
  }
  const now = ctx.clock();
  const view = toJobView(job, state, { now, place, coachingStatus });
  return mark && endsCancelled(view) ? cancelledView(view, mark.at) : view;
}

/**
 * A cancelled job that no worker has failed yet: one still in the queue (a worker fails it as
 * cancelled the moment it picks it up), or a coaching job that failed because its plan was cancelled.
 * A job that completed, or failed for its own reason, before the cancel landed keeps its outcome.
 */
function endsCancelled(view: JobView): boolean {
  switch (view.status) {
    case 'queued':
    case 'waiting_for_capacity':
      return true;
    case 'failed':
      return view.error?.code === 'plan_failed';
    default:
      return false;
  }
}

async function statusOfJob(ctx: ApiContext, id: string): Promise<JobStatus> {
  const job = await Job.fromId<JobData, JobResult>(ctx.queue, id);
  if (job) return (await viewOf(ctx, job, false)).status;
  return (await readCancelMark(ctx, id))?.view?.status ?? 'failed';
}
