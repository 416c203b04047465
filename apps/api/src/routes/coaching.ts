import {
  CoachingForPlanJobSchema,
  CoachingForPlanSchema,
  type CoachingRequest,
  type JobData,
} from '@spillway/core';
import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context.js';
import {
  CoachingRequestDoc,
  IdempotencyHeaders,
  JobViewDoc,
  responses,
  SUBMISSION_PROBLEMS,
  V1_SECURITY,
} from '../docs/schemas.js';
import { ApiError } from '../errors.js';
import { coachingJobData, pinnedCoachingModel } from '../job-data.js';
import { newJobId } from '../job-ids.js';
import { enqueuedView, findJob } from '../job-views.js';
import { enqueueWithinQuota } from '../quotas.js';
import { parseBody } from '../validation.js';
import { withFields } from '../with-fields.js';
import { assertCallbackUrl } from './callback-url.js';
import { requestedCoachingPolicy } from './coaching-policy.js';
import { interactiveJobOptions } from './job-options.js';

/**
 * POST /v1/coaching: coaching for a plan job's result (`planJobId`, the tenant's own; a plan still
 * running is waited for) or for a plan given inline (`plan`, with its `description` if known).
 */
const COACHING_ROUTE = {
  summary: 'Submit a coaching job',
  description:
    'Coaching for a plan: `planJobId` names one of your plan jobs (a plan still running is waited for, up to ' +
    'the deadline; if it fails, coaching fails with `plan_failed`), or `plan` gives the plan itself (each item ' +
    'with `start`, `end`, `task` and `priority`). `coaching` sets the policy (`same`: the model that wrote the ' +
    "plan; `upgrade` with `model`: that model when the pool has headroom for it, else the plan's at once); the " +
    "providers file's `defaults.coaching` when omitted. Answers at once; follow `Location` for the result. " +
    'Accepts `Idempotency-Key`.',
  tags: ['jobs'],
  security: V1_SECURITY,
  headers: IdempotencyHeaders,
  body: CoachingRequestDoc,
  response: responses({ 202: { description: 'Accepted: the job view', schema: JobViewDoc } }, [
    ...SUBMISSION_PROBLEMS,
    'unknown_model',
    'not_found',
  ]),
};

export function registerCoachingRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.post('/coaching', { schema: COACHING_ROUTE }, async (request, reply) => {
    const body = parseCoachingRequest(request.body);
    if (body.model && !ctx.models.has(body.model)) {
      throw new ApiError('unknown_model', `No instance serves model "${body.model}".`, [
        { field: 'model', message: `unknown model; known: ${[...ctx.models].sort().join(', ')}` },
      ]);
    }
    // `coaching` here only chooses the policy: the job is coaching either way.
    const policy =
      typeof body.coaching === 'object'
        ? requestedCoachingPolicy(body.coaching, ctx.coachingDefaults, ctx.models)!
        : ctx.coachingDefaults;
    if (body.callbackUrl) await assertCallbackUrl(body.callbackUrl, ctx.webhookAllowPrivate);

    let coaching: NonNullable<JobData['coaching']>;
    if ('planJobId' in body) {
      const plan = await findJob(ctx, request.tenant, body.planJobId);
      if (!plan) throw new ApiError('not_found', `There is no plan job ${body.planJobId}.`);
      if (plan.data.kind !== 'plan') {
        throw new ApiError('validation_failed', `planJobId: job ${body.planJobId} is not a plan job`, [
          { field: 'planJobId', message: `job ${body.planJobId} is a ${plan.data.kind} job, not a plan job` },
        ]);
      }
      coaching = { planJobId: plan.id!, policy };
    } else {
      coaching = { plan: body.plan, policy, ...(body.description ? { description: body.description } : {}) };
    }

    const now = ctx.clock();
    const id = newJobId(ctx.clock);
    const model = pinnedCoachingModel(body.model, policy);
    const data = coachingJobData(withFields(body, { tenant: request.tenant, now }), coaching, model);
    const job = await enqueueWithinQuota(ctx, request.tenant, [id], () =>
      ctx.queue.add('coaching', data, interactiveJobOptions(id, body.priority)),
    );
    const view = enqueuedView(ctx, job);
    return reply.status(202).header('location', `/v1/jobs/${id}`).header('retry-after', '1').send(view);
  });
}

/**
 * Picks the form by its key, so a bad request names the field at fault in the form the client
 * meant, rather than zod's "matches neither" for a union.
 */
function parseCoachingRequest(body: unknown): CoachingRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return parseBody(CoachingForPlanJobSchema, body);
  }
  const byJob = 'planJobId' in body;
  const inline = 'plan' in body;
  if (byJob && inline) {
    throw new ApiError('validation_failed', 'plan: give either planJobId or plan, not both', [
      { field: 'plan', message: 'not allowed together with planJobId' },
    ]);
  }
  if (inline) return parseBody(CoachingForPlanSchema, body);
  if (byJob) return parseBody(CoachingForPlanJobSchema, body);
  throw new ApiError('validation_failed', 'planJobId: required (or give the plan itself as plan)', [
    { field: 'planJobId', message: 'required: the plan job to coach, or give the plan itself as `plan`' },
  ]);
}
