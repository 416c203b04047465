import {
  type CoachingPolicy,
  failureFromReason,
  type JobData,
  JobError,
  type JobResult,
  type PlanResult,
  progressOf,
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
}

/** Looking again for a plan that is still running: never more often than this... */
const MIN_RECHECK_MS = 1000;
/** ...nor less often than this, unless the plan itself waits for capacity longer. */
const MAX_RECHECK_MS = 30_000;

/**
 * Finds the plan a coaching job works on: inline in the request, or the result of a plan job
 * (a chained plan → coaching flow, or a `planJobId` given by the client). A plan job that has not
 * finished yet delays the coaching job (DelayedError) and is looked at again later, up to the
 * coaching job's deadline. Throws JobError when the coaching job cannot run at all.
 */
export async function loadPlanForCoaching(
  deps: PlanLookupDeps,
  job: Job<JobData, JobResult>,
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
  if (state !== 'completed') return await waitForPlan(deps, job, planJob, token);
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
 * its plan by construction). The job leaves the worker, delayed: checks start a second apart and
 * spread out as the wait grows, and never come before the plan itself can run again.
 */
async function waitForPlan(
  deps: PlanLookupDeps,
  job: Job<JobData, JobResult>,
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
  const backoff = Math.min(MAX_RECHECK_MS, Math.max(MIN_RECHECK_MS, (now - job.data.createdAt) / 10));
  const planRunsAgainAt = progressOf(planJob).waitingUntil ?? 0;
  await job.moveToDelayed(Math.min(Math.max(now + backoff, planRunsAgainAt), deadlineAt), token);
  throw new DelayedError();
}
