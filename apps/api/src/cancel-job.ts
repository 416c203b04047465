import {
  JOBS_QUEUE,
  type JobData,
  type JobResult,
  type JobView,
  recordBatchItemFinished,
  releasePlanFollowers,
  TERMINAL,
} from '@spillway/core';
import { Job } from 'bullmq';
import type { ApiContext } from './context.js';
import { ApiError } from './errors.js';
import { findJob, loadView, viewOf } from './job-views.js';
import { withdrawJobs } from './withdraw-jobs.js';

export interface CancelOutcome {
  view: JobView;
  /** True when the job is cancelled now; false while a worker still has to stop it. */
  settled: boolean;
}

type AnyJob = Job<JobData, JobResult>;

/**
 * Cancels a job and its coaching parent or plan child. Jobs still in the queue are removed at once
 * (their final view is kept with the cancel mark); a running one is stopped by its worker, which
 * watches the marks and aborts the provider call. Null when the tenant has no such job.
 */
export async function cancelJob(ctx: ApiContext, tenant: string, id: string): Promise<CancelOutcome | null> {
  const job = await findJob(ctx, tenant, id);
  if (!job) {
    const kept = await loadView(ctx, tenant, id);
    return kept ? { view: kept, settled: true } : null;
  }
  const view = await viewOf(ctx, job);
  if (view.status === 'cancelled') return { view, settled: true };
  if (TERMINAL.has(view.status)) {
    throw new ApiError('job_finished', `Job ${id} has already ${view.status}; there is nothing to cancel.`);
  }

  const family = await unfinishedFamily(ctx, job);
  const at = ctx.clock();
  const { views: finalViews, removed } = await withdrawJobs(ctx, tenant, family, at);
  if (!removed) {
    // A worker holds one of them: it sees the mark and stops. Settled once every one has ended.
    const current = await Promise.all(family.map((member) => loadView(ctx, tenant, member.id!)));
    const view = current[family.findIndex((member) => member.id === id)] ?? finalViews.get(id)!;
    return { view, settled: current.every((v) => v === null || TERMINAL.has(v.status)) };
  }
  // No worker will end these plans: coaching jobs parked on one of them run now (and find it gone).
  for (const member of family) {
    if (member.data.kind === 'plan')
      await releasePlanFollowers(ctx.redis, ctx.prefix, JOBS_QUEUE, member.id!, at);
  }
  // No worker will report these jobs: count a batch item as finished here, or its batch would
  // never complete (counting is idempotent per item, so a late worker report is harmless).
  const batched = family.find((member) => member.data.batchId);
  if (batched) {
    const itemId = batched.data.coaching?.planJobId ?? batched.id!;
    await recordBatchItemFinished(ctx.redis, ctx.prefix, batched.data.batchId!, itemId, 'cancelled', at);
  }
  return { view: finalViews.get(id)!, settled: true };
}

/** The job with its coaching parent or plan child (the parent first), leaving out finished ones. */
async function unfinishedFamily(ctx: ApiContext, job: AnyJob): Promise<AnyJob[]> {
  const family: AnyJob[] = [job];
  if (job.data.coachingJobId) {
    const parent = await Job.fromId<JobData, JobResult>(ctx.queue, job.data.coachingJobId);
    if (parent) family.unshift(parent);
  } else if (job.data.kind === 'coaching' && job.data.coaching?.planJobId) {
    const child = await Job.fromId<JobData, JobResult>(ctx.queue, job.data.coaching.planJobId);
    // Only the plan of the same flow: a plan the client submitted on its own is not ours to cancel.
    if (child && child.data.coachingJobId === job.id) family.push(child);
  }
  const states = await Promise.all(family.map((member) => member.getState()));
  return family.filter((_, index) => states[index] !== 'completed' && states[index] !== 'failed');
}
