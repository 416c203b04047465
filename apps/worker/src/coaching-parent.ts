import {
  failureFromReason,
  type JobData,
  type JobProgress,
  type JobResult,
  type Logger,
  progressOf,
} from '@spillway/core';
import { Job, type Queue } from 'bullmq';

type AnyJob = Job<JobData, JobResult>;

/** Errors by which a processor leaves a job to run again later: not failures at all. */
const NOT_FAILURES = new Set(['DelayedError', 'RateLimitError', 'WaitingChildrenError', 'WaitingError']);

/** Whether the error a processor is about to throw ends the job: BullMQ will not retry it. */
export function endsTheJob(job: AnyJob, err: unknown): boolean {
  if (!(err instanceof Error) || NOT_FAILURES.has(err.name)) return false;
  if (err.name === 'UnrecoverableError') return true;
  return job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
}

/**
 * A chained plan is about to fail for good: BullMQ will fail its coaching parent in the same step
 * (failParentOnFailure), with nothing but "child … failed" as the reason. Writing the plan's
 * failure on the parent first means its view names the real cause from the moment it is failed.
 */
export async function explainCoachingParent(queue: Queue, plan: AnyJob, err: Error): Promise<void> {
  const parentId = plan.data.coachingJobId;
  if (!parentId) return;
  const parent = await Job.fromId<JobData, JobResult>(queue, parentId);
  if (!parent) return;
  const cause = progressOf(plan).failure ?? failureFromReason(err.message);
  const progress: JobProgress = {
    ...progressOf(parent),
    failure: {
      code: 'plan_failed',
      message: `coaching did not run: plan job ${plan.id} failed (${cause.code}): ${cause.message}`,
      details: { planJobId: plan.id, planError: { code: cause.code, message: cause.message } },
    },
  };
  await parent.updateProgress(progress);
}

export interface CoachingParentEventsDeps {
  queue: Queue;
  /** Called with the coaching parent once it has failed along with its plan (and the plan's error). */
  failed: (parent: AnyJob, err: Error) => void;
  logger: Logger;
}

export interface CoachingParentEvents {
  /** For the jobs worker's 'failed' event: acts once a chained plan has failed for good. */
  planFailed(plan: AnyJob | undefined, err: Error): void;
  /** Waits for the lookups still in flight (before the queue closes). */
  drain(): Promise<void>;
}

/**
 * No worker runs a coaching parent that BullMQ failed with its plan, so no worker event reports
 * it. This reports it when its plan's failure does, so its `job.failed` webhook is sent too.
 */
export function createCoachingParentEvents(deps: CoachingParentEventsDeps): CoachingParentEvents {
  const inFlight = new Set<Promise<void>>();
  const report = async (plan: AnyJob, err: Error) => {
    const parent = await Job.fromId<JobData, JobResult>(deps.queue, plan.data.coachingJobId!);
    if (parent && (await parent.getState()) === 'failed') deps.failed(parent, err);
  };
  return {
    planFailed(plan, err) {
      // finishedOn is set only when BullMQ is done with the job: a failure it retries is not the end.
      if (!plan?.data.coachingJobId || plan.finishedOn === undefined) return;
      const work = report(plan, err).catch((err: unknown) =>
        deps.logger.error({ err, jobId: plan.id }, 'could not report the coaching job its plan failed'),
      );
      inFlight.add(work);
      void work.finally(() => inFlight.delete(work));
    },
    async drain() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}
