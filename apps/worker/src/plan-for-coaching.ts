import { type CoachingPolicy, type JobData, JobError, type JobResult, type PlanResult } from '@spillway/core';
import { DelayedError, Job, type Queue, UnrecoverableError } from 'bullmq';

export interface CoachingInput {
  plan: PlanResult;
  description?: string;
  /** The instance that produced the plan: the `same` policy starts there. */
  planInstance?: string;
  policy: CoachingPolicy;
}

/**
 * Finds the plan a coaching job works on: inline in the request, or the result of a plan job
 * (a chained plan → coaching flow, or a `planJobId` given by the client).
 */
export async function loadPlanForCoaching(
  job: Job<JobData, JobResult>,
  queue: Queue,
): Promise<CoachingInput> {
  const coaching = job.data.coaching;
  if (!coaching)
    throw new UnrecoverableError(new JobError('invalid_job', 'coaching job without coaching data').message);
  if (coaching.plan) {
    return {
      plan: coaching.plan,
      description: coaching.description,
      planInstance: coaching.planInstance,
      policy: coaching.policy,
    };
  }
  const planJob = coaching.planJobId
    ? await Job.fromId<JobData, JobResult>(queue, coaching.planJobId)
    : undefined;
  if (!planJob) {
    throw new UnrecoverableError(
      new JobError('plan_not_found', `plan job ${coaching.planJobId} no longer exists`).message,
    );
  }
  const state = await planJob.getState();
  if (state === 'failed') {
    throw new UnrecoverableError(
      new JobError('plan_failed', `plan job ${planJob.id} failed: ${planJob.failedReason}`).message,
    );
  }
  if (state !== 'completed') {
    // Only when a client named a plan that is still running: look again shortly.
    await job.moveToDelayed(Date.now() + 1000, job.token);
    throw new DelayedError();
  }
  const served = planJob.returnvalue.attempts.filter((a) => a.outcome === 'ok').at(-1);
  return {
    plan: planJob.returnvalue.result as PlanResult,
    description: planJob.data.plan?.description,
    planInstance: served?.instance,
    policy: coaching.policy,
  };
}
