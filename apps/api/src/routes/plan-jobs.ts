import type { CoachingPolicy, JobData } from '@spillway/core';
import type { FlowJob, JobsOptions } from 'bullmq';
import { chainedCoachingJobData, type JobRequest, planJobData } from '../job-data.js';
import { withFields } from '../with-fields.js';

export interface PlanJobsInput {
  queueName: string;
  request: JobRequest;
  plan: NonNullable<JobData['plan']>;
  coaching: CoachingPolicy | null;
  /** The plan job's options, its jobId included; the coaching job gets the same, with its own id. */
  opts: JobsOptions & { jobId: string };
  newJobId: () => string;
}

export type PlanJobs =
  | { kind: 'single'; name: 'plan'; data: JobData; opts: JobsOptions }
  | { kind: 'flow'; flow: FlowJob };

/** The ids of the jobs a plan request becomes: the plan job's, and its coaching job's if any. */
export function jobIdsOf(jobs: PlanJobs): string[] {
  if (jobs.kind === 'single') return [jobs.opts.jobId!];
  return [jobs.flow.children![0]!.opts!.jobId!, jobs.flow.opts!.jobId!];
}

/**
 * The jobs one plan request becomes (POST /v1/plans, or one batch item): a plan job; or, with
 * coaching, one atomic flow whose parent is the coaching job, run only once its plan child
 * completes. A failed plan fails the coaching job with the reason instead of leaving it hanging.
 */
export function planJobs(input: PlanJobsInput): PlanJobs {
  const plan = planJobData(input.request, input.plan);
  if (!input.coaching) return { kind: 'single', name: 'plan', data: plan, opts: input.opts };
  const coachingId = input.newJobId();
  const coaching = chainedCoachingJobData(plan, input.opts.jobId, input.coaching);
  return {
    kind: 'flow',
    flow: {
      name: 'coaching',
      queueName: input.queueName,
      data: coaching,
      opts: withFields(input.opts, { jobId: coachingId }),
      children: [
        {
          name: 'plan',
          queueName: input.queueName,
          data: withFields(plan, { coachingJobId: coachingId }),
          opts: withFields(input.opts, { failParentOnFailure: true }),
        },
      ],
    },
  };
}
