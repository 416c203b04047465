import {
  CoachingForPlanJobSchema,
  CoachingForPlanSchema,
  type CoachingRequest,
  type JobData,
} from '@spillway/core';
import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../app.js';
import { ApiError } from '../errors.js';
import { newJobId } from '../job-ids.js';
import { enqueuedView, findJob } from '../job-views.js';
import { enqueueWithinQuota } from '../quotas.js';
import { parseBody } from '../validation.js';
import { assertCallbackUrl } from './callback-url.js';
import { pinnedCoachingModel, requestedCoachingPolicy } from './coaching-policy.js';
import { deadlineAt, jobOptions } from './job-options.js';

/**
 * POST /v1/coaching: coaching for a plan job's result (`planJobId`, the tenant's own; a plan still
 * running is waited for) or for a plan given inline (`plan`, with its `description` if known).
 */
export function registerCoachingRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.post('/coaching', async (request, reply) => {
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
    const data: JobData = {
      kind: 'coaching',
      tenant: request.tenant,
      createdAt: now,
      deadlineAt: deadlineAt(now, body.deadlineSeconds),
      ...(model ? { model, fallback: body.fallback } : {}),
      ...(body.callbackUrl ? { callbackUrl: body.callbackUrl } : {}),
      ...(body.metadata ? { metadata: body.metadata } : {}),
      coaching,
    };
    const job = await enqueueWithinQuota(ctx, request.tenant, [id], () =>
      ctx.queue.add('coaching', data, { ...jobOptions, jobId: id }),
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
