import type { JobData, JobResult, PlanRequest as PlanRequestBody } from '@spillway/core';
import type { Job } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context.js';
import {
  IdempotencyHeaders,
  JobViewDoc,
  PlanRequestDoc,
  responses,
  SUBMISSION_PROBLEMS,
  V1_SECURITY,
} from '../docs/schemas.js';
import { ApiError } from '../errors.js';
import { newJobId } from '../job-ids.js';
import { enqueuedView } from '../job-views.js';
import { enqueueWithinQuota } from '../quotas.js';
import { withFields } from '../with-fields.js';
import { assertCallbackUrl } from './callback-url.js';
import { requestedCoachingPolicy } from './coaching-policy.js';
import { interactiveJobOptions } from './job-options.js';
import { jobIdsOf, planJobs } from './plan-jobs.js';

const PLAN_ROUTE = {
  summary: 'Submit a plan job',
  description:
    'Validates and enqueues a plan job (and, with `coaching`, its coaching job). Answers at once with the job view; ' +
    'follow `Location` (long-poll with `?wait=`) for the result. Accepts `Idempotency-Key`.',
  tags: ['jobs'],
  security: V1_SECURITY,
  headers: IdempotencyHeaders,
  body: PlanRequestDoc,
  response: responses(
    { 202: { description: 'Accepted: the job view, with Location and Retry-After', schema: JobViewDoc } },
    [...SUBMISSION_PROBLEMS, 'unknown_model'],
  ),
};

export function registerPlanRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const nextJobId = () => newJobId(ctx.clock);
  app.post('/plans', { schema: PLAN_ROUTE }, async (request, reply) => {
    const body = request.body as PlanRequestBody;
    if (body.model && !ctx.models.has(body.model)) {
      throw new ApiError('unknown_model', `No instance serves model "${body.model}".`, [
        { field: 'model', message: `unknown model; known: ${[...ctx.models].sort().join(', ')}` },
      ]);
    }
    if (body.callbackUrl) await assertCallbackUrl(body.callbackUrl, ctx.webhookAllowPrivate);
    const coaching = requestedCoachingPolicy(body.coaching, ctx.coachingDefaults, ctx.models);
    const now = ctx.clock();
    const id = nextJobId();
    const jobs = planJobs({
      queueName: ctx.queue.name,
      request: withFields(body, { tenant: request.tenant, now }),
      plan: { description: body.description, date: body.date },
      coaching,
      opts: interactiveJobOptions(id, body.priority),
      newJobId: nextJobId,
    });
    // The answer is the job as enqueued (queued): read back, it could already say running.
    const job = await enqueueWithinQuota(ctx, request.tenant, jobIdsOf(jobs), async () =>
      jobs.kind === 'single'
        ? ctx.queue.add(jobs.name, jobs.data, jobs.opts)
        : // The flow's root is the coaching job; its one child is the plan job asked for.
          (await ctx.flows.add(jobs.flow)).children![0]!.job,
    );
    const view = enqueuedView(ctx, job as Job<JobData, JobResult>);
    return reply.status(202).header('location', `/v1/jobs/${id}`).header('retry-after', '1').send(view);
  });
}
