import {
  type CoachingPolicy,
  failureFromReason,
  type JobData,
  JobError,
  type JobProgress,
  type JobResult,
  lineMember,
  type PlanResult,
  planLine,
  progressOf,
  type WaitingRoom,
} from '@spillway/core';
import { DelayedError, Job, type Queue } from 'bullmq';

export interface CoachingInput {
  plan: PlanResult;
  description?: string;
  /** The instance that produced the plan: the `same` policy starts there. */
  planInstance?: string;
  policy: CoachingPolicy;
}

export interface PlanLookupDeps {
  queue: Queue;
  clock: () => number;
  waiting: WaitingRoom;
}

/**
 * Finds the plan a coaching job works on: inline in the request, or the result of a plan job
 * (a chained plan → coaching flow, or a `planJobId` given by the client). A plan job that has not
 * finished yet parks the coaching job on the plan's line until the plan ends (see
 * releaseFollowers) or the coaching job's deadline. Throws JobError when it cannot run at all.
 */
export async function loadPlanForCoaching(
  deps: PlanLookupDeps,
  job: Job<JobData, JobResult>,
  progress: JobProgress,
  token: string | undefined,
): Promise<CoachingInput> {
  const coaching = job.data.coaching;
  if (!coaching) throw new JobError('invalid_job', 'coaching job without coaching data');
  if (coaching.plan) {
    return {
      plan: coaching.plan,
      description: coaching.description,
      planInstance: coaching.planInstance,
      policy: coaching.policy,
    };
  }
  const planJob = coaching.planJobId
    ? await Job.fromId<JobData, JobResult>(deps.queue, coaching.planJobId)
    : undefined;
  if (!planJob) {
    throw new JobError('plan_not_found', `plan job ${coaching.planJobId} no longer exists`);
  }
  const state = await planJob.getState();
  if (state === 'failed') {
    const cause = progressOf(planJob).failure ?? failureFromReason(planJob.failedReason);
    throw new JobError('plan_failed', `plan job ${planJob.id} failed (${cause.code}): ${cause.message}`, {
      planJobId: planJob.id,
      planError: { code: cause.code, message: cause.message },
    });
  }
  if (state !== 'completed') return await waitForPlan(deps, job, progress, planJob, token);
  const served = planJob.returnvalue.attempts.filter((a) => a.outcome === 'ok').at(-1);
  return {
    plan: planJob.returnvalue.result as PlanResult,
    description: planJob.data.plan?.description,
    planInstance: served?.instance,
    policy: coaching.policy,
  };
}

/**
 * Only when a client named a plan job that is still running (a chained coaching job runs after
 * its plan by construction). The job leaves the worker, parked on the plan's line: no polling;
 * the plan's end releases it.
 */
async function waitForPlan(
  deps: PlanLookupDeps,
  job: Job<JobData, JobResult>,
  progress: JobProgress,
  planJob: Job<JobData, JobResult>,
  token: string | undefined,
): Promise<never> {
  const now = deps.clock();
  const deadlineAt = job.data.deadlineAt;
  if (now >= deadlineAt) {
    throw new JobError(
      'plan_not_ready',
      `plan job ${planJob.id} had not finished by this job's deadline (${new Date(deadlineAt).toISOString()})`,
      { planJobId: planJob.id },
    );
  }
  const line = planLine(planJob.id!);
  // Not started: it starts once its plan is there to read.
  Object.assign(progress, { parked: { line, order: now }, startedAt: undefined });
  await job.updateProgress(progress);
  await job.moveToDelayed(deadlineAt, token);
  await deps.waiting.park({
    line,
    member: lineMember(job.id!, job.data.batchId),
    order: now,
    until: null,
    perWindow: 0,
    windowMs: 0,
    again: false,
  });
  // The plan may have ended between our look and our parking: then no end is left to release us.
  const state = await planJob.getState();
  if (state === 'completed' || state === 'failed') await deps.waiting.releaseFollowers(planJob.id!);
  throw new DelayedError();
}
