import { type JobData, type JobResult, type JobStatus, type JobView, toJobView } from '@spillway/core';
import { Job } from 'bullmq';
import type { ApiContext } from './app.js';
import { isJobId } from './job-ids.js';

/** Must match the worker's limiter.max: BullMQ reads the queue-wide rate limit against it. */
const LIMITER_MAX = 1_000_000;

/** The tenant's job, or null (another tenant's job is the same as no job: 404). */
export async function findJob(ctx: ApiContext, tenant: string, id: string): Promise<Job<JobData, JobResult> | null> {
  if (!isJobId(id)) return null;
  const job = await Job.fromId<JobData, JobResult>(ctx.queue, id);
  if (!job || job.data.tenant !== tenant) return null;
  return job;
}

export async function viewOf(ctx: ApiContext, job: Job<JobData, JobResult>): Promise<JobView> {
  const [state, queueTtl, coachingStatus] = await Promise.all([
    job.getState(),
    ctx.queue.getRateLimitTtl(LIMITER_MAX),
    job.data.coachingJobId ? statusOfJob(ctx, job.data.coachingJobId) : undefined,
  ]);
  const now = ctx.clock();
  return toJobView(job, state, {
    now,
    queueWaitingUntil: queueTtl > 0 ? now + queueTtl : undefined,
    coachingStatus,
  });
}

async function statusOfJob(ctx: ApiContext, id: string): Promise<JobStatus> {
  const job = await Job.fromId<JobData, JobResult>(ctx.queue, id);
  if (!job) return 'failed';
  const state = await job.getState();
  return toJobView(job, state, { now: ctx.clock() }).status;
}
