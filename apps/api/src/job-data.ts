import { type CoachingPolicy, DEFAULT_PRIORITY, type JobData, type JobPriority } from '@spillway/core';
import { withFields } from './with-fields.js';

/**
 * What a request says about the jobs it becomes, whichever route it came by. Routes may pass the
 * parsed body as it is: only the fields named here reach a job's data.
 */
export interface JobRequest {
  tenant: string;
  /** When the API accepted the request (its clock): the jobs' createdAt. */
  now: number;
  deadlineSeconds?: number;
  model?: string;
  fallback?: 'any' | 'same-model';
  callbackUrl?: string;
  metadata?: Record<string, unknown>;
  /** For a batch item, the batch's. */
  priority?: JobPriority;
  /** Set on a batch item: its batch, and the client's id for the item. */
  batch?: { batchId: string; customId: string };
}

/** How long a job may wait for capacity when the request names no deadline. */
const DEFAULT_DEADLINE_SECONDS = 86_400;

/**
 * The data of a plan job (POST /v1/plans, a batch item). The only place, with coachingJobData and
 * chainedCoachingJobData, where a job's data is assembled.
 */
export function planJobData(request: JobRequest, plan: NonNullable<JobData['plan']>): JobData {
  return withFields(requestFields('plan', request, request.model), { plan });
}

/** The data of a coaching job asked for on its own (POST /v1/coaching), pinned to `model` if given. */
export function coachingJobData(
  request: JobRequest,
  coaching: NonNullable<JobData['coaching']>,
  model: string | undefined,
): JobData {
  return withFields(requestFields('coaching', request, model), { coaching });
}

function requestFields(kind: JobData['kind'], request: JobRequest, model: string | undefined): JobData {
  return {
    kind,
    tenant: request.tenant,
    createdAt: request.now,
    // Past this moment a job still waiting for capacity fails with capacity_exhausted.
    deadlineAt: request.now + (request.deadlineSeconds ?? DEFAULT_DEADLINE_SECONDS) * 1000,
    ...(model ? { model, fallback: request.fallback } : {}),
    ...(request.callbackUrl ? { callbackUrl: request.callbackUrl } : {}),
    ...(request.metadata ? { metadata: request.metadata } : {}),
    priority: request.priority ?? DEFAULT_PRIORITY,
    ...(request.batch ? { batchId: request.batch.batchId, customId: request.batch.customId } : {}),
  };
}

/**
 * Every field of a plan job's data, and whether the coaching job chained to it takes it over. A
 * record over every key of JobData, so that a new field does not compile until someone decides
 * here whether it belongs to the request (inherit) or to one job (own).
 */
const CHAINED_COACHING_TAKES: { readonly [K in keyof Required<JobData>]: 'inherit' | 'own' } = {
  kind: 'own',
  tenant: 'inherit',
  createdAt: 'inherit',
  // One deadline for the request: the coaching job does not get a fresh day when its plan ends.
  deadlineAt: 'inherit',
  // The plan's pin is not the coaching job's: its own comes from the coaching policy.
  model: 'own',
  fallback: 'inherit',
  callbackUrl: 'inherit',
  metadata: 'inherit',
  batchId: 'inherit',
  customId: 'inherit',
  // Coaching asked for with a high plan is part of the same high request.
  priority: 'inherit',
  coachingJobId: 'own',
  plan: 'own',
  coaching: 'own',
};

const INHERITED = (Object.keys(CHAINED_COACHING_TAKES) as (keyof JobData)[]).filter(
  (key) => CHAINED_COACHING_TAKES[key] === 'inherit',
);

/** The data of the coaching job that runs on plan job `planJobId`'s result, once it completes. */
export function chainedCoachingJobData(plan: JobData, planJobId: string, policy: CoachingPolicy): JobData {
  // Filled in place: properties after a spread are slow to define (see with-fields.ts).
  const data: Partial<Record<keyof JobData, unknown>> = { kind: 'coaching' };
  for (const key of INHERITED) if (plan[key] !== undefined) data[key] = plan[key];
  const model = pinnedCoachingModel(undefined, policy);
  if (model) data.model = model;
  data.coaching = { planJobId, policy };
  return data as unknown as JobData;
}

/**
 * The model a coaching job is pinned to, if any: the request's own `model`, else a model named with
 * the `same` policy (coach with that model rather than the plan's). An upgrade model is not a pin:
 * it is tried only when it has headroom.
 */
export function pinnedCoachingModel(model: string | undefined, policy: CoachingPolicy): string | undefined {
  return model ?? (policy.policy === 'same' ? policy.model : undefined);
}
