import type { Job } from 'bullmq';
import { failureFromReason } from './failure.js';
import type { JobData, JobFailure, JobProgress, JobResult } from './job-data.js';
import type { JobStatus, JobView } from './view-schema.js';

export const TERMINAL: ReadonlySet<JobStatus> = new Set(['completed', 'failed', 'cancelled']);

export interface ViewContext {
  now: number;
  /** When the whole queue waits for capacity (BullMQ's queue rate limit), until when. */
  queueWaitingUntil?: number;
  coachingStatus?: JobStatus;
}

/** The job view of DESIGN.md, from a BullMQ job and its state. */
export function toJobView(job: Job<JobData, JobResult>, state: string, ctx: ViewContext): JobView {
  const data = job.data;
  const progress = progressOf(job);
  const status = statusOf(job, state, progress, ctx);
  const view: JobView = {
    id: job.id!,
    kind: data.kind,
    status,
    createdAt: new Date(data.createdAt).toISOString(),
    attempts: progress.attempts,
  };
  const startedAt = progress.startedAt ?? job.processedOn;
  if (startedAt) view.startedAt = new Date(startedAt).toISOString();
  if (job.finishedOn && TERMINAL.has(status)) view.finishedAt = new Date(job.finishedOn).toISOString();
  if (status === 'completed' && job.returnvalue) {
    view.result = job.returnvalue.result;
    view.attempts = job.returnvalue.attempts ?? view.attempts;
  }
  if (status === 'failed' || status === 'cancelled') view.error = errorOf(job, progress);
  if (status === 'waiting_for_capacity') {
    const until = Math.max(progress.waitingUntil ?? 0, ctx.queueWaitingUntil ?? 0);
    if (until > 0) view.waitingUntil = new Date(until).toISOString();
  }
  if (data.coachingJobId)
    view.coaching = { jobId: data.coachingJobId, status: ctx.coachingStatus ?? 'queued' };
  if (data.coaching?.planJobId) view.planJobId = data.coaching.planJobId;
  if (data.batchId) view.batchId = data.batchId;
  if (data.customId) view.customId = data.customId;
  if (data.metadata) view.metadata = data.metadata;
  if (data.priority) view.priority = data.priority;
  return view;
}

export function progressOf(job: Pick<Job, 'progress'>): JobProgress {
  const p = job.progress;
  if (p && typeof p === 'object' && Array.isArray((p as JobProgress).attempts)) return p as JobProgress;
  return { attempts: [] };
}

function statusOf(job: Job, state: string, progress: JobProgress, ctx: ViewContext): JobStatus {
  switch (state) {
    case 'completed':
      return 'completed';
    case 'failed':
      return failureFromReason(job.failedReason).code === 'cancelled' ? 'cancelled' : 'failed';
    case 'active':
      // Held by a worker while it waits in memory for the next free slot: not running yet.
      return (progress.waitingUntil ?? 0) > ctx.now ? 'waiting_for_capacity' : 'running';
    case 'delayed':
      return (progress.waitingUntil ?? 0) > ctx.now ? 'waiting_for_capacity' : 'queued';
    default:
      if ((progress.waitingUntil ?? 0) > ctx.now || (ctx.queueWaitingUntil ?? 0) > ctx.now)
        return 'waiting_for_capacity';
      return 'queued';
  }
}

function errorOf(job: Job, progress: JobProgress & { failure?: JobFailure }): JobView['error'] {
  const failure = progress.failure ?? failureFromReason(job.failedReason);
  return failure.details
    ? { code: failure.code, message: failure.message, details: failure.details }
    : { code: failure.code, message: failure.message };
}
