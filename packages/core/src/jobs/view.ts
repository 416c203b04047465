import type { Job } from 'bullmq';
import { estimatedStart, type PlaceInLine } from '../waiting/place.js';
import { failureFromReason } from './failure.js';
import type { JobData, JobFailure, JobProgress, JobResult } from './job-data.js';
import type { JobStatus, JobView } from './view-schema.js';

export const TERMINAL: ReadonlySet<JobStatus> = new Set(['completed', 'failed', 'cancelled']);

export interface ViewContext {
  now: number;
  /** A parked job's place in its line (see waiting/place.ts), when it has one. */
  place?: PlaceInLine | null;
  coachingStatus?: JobStatus;
}

/** The job view of DESIGN.md, from a BullMQ job and its state. */
export function toJobView(job: Job<JobData, JobResult>, state: string, ctx: ViewContext): JobView {
  const data = job.data;
  const progress = progressOf(job);
  const status = statusOf(job, state, progress);
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
  let omitted = progress.attemptsOmitted;
  if (status === 'completed' && job.returnvalue) {
    view.result = job.returnvalue.result;
    view.attempts = job.returnvalue.attempts ?? view.attempts;
    omitted = job.returnvalue.attemptsOmitted;
  }
  if (omitted) view.attemptsOmitted = omitted;
  if (status === 'failed' || status === 'cancelled') view.error = errorOf(job, progress);
  if (status === 'waiting_for_capacity') Object.assign(view, waitingTimes(progress, ctx));
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

/**
 * The one place a job's status is derived. A job waits for capacity only while it is parked: in
 * BullMQ's delayed set with a capacity line noted (a delayed job without one waits out a retry
 * backoff, or its plan, and reads as queued). A worker holds a job only to run it: `running`.
 */
function statusOf(job: Job, state: string, progress: JobProgress): JobStatus {
  switch (state) {
    case 'completed':
      return 'completed';
    case 'failed':
      return failureFromReason(job.failedReason).code === 'cancelled' ? 'cancelled' : 'failed';
    case 'active':
      return 'running';
    case 'delayed':
      return progress.parked?.line.startsWith('c:') && progress.waitingUntil !== undefined
        ? 'waiting_for_capacity'
        : 'queued';
    default:
      return 'queued';
  }
}

/**
 * When capacity returns for the job's line, and when the job should start (after the jobs ahead
 * of it: see waiting/place.ts estimatedStart).
 */
function waitingTimes(
  progress: JobProgress,
  ctx: ViewContext,
): Pick<JobView, 'waitingUntil' | 'estimatedStartAt'> {
  const until = ctx.place?.until ?? progress.waitingUntil;
  if (until === undefined) return {};
  const start = ctx.place ? estimatedStart(ctx.place, ctx.now) : Math.max(until, ctx.now);
  return { waitingUntil: new Date(until).toISOString(), estimatedStartAt: new Date(start).toISOString() };
}

function errorOf(job: Job, progress: JobProgress & { failure?: JobFailure }): JobView['error'] {
  const failure = progress.failure ?? failureFromReason(job.failedReason);
  return failure.details
    ? { code: failure.code, message: failure.message, details: failure.details }
    : { code: failure.code, message: failure.message };
}
