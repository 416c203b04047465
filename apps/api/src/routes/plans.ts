import { type JobData, type JobResult, PlanRequestSchema } from '@spillway/core';
import type { Job } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../app.js';
import { ApiError } from '../errors.js';
import { newJobId } from '../job-ids.js';
import { enqueuedView } from '../job-views.js';
import { enqueueWithinQuota } from '../quotas.js';
import { parseBody } from '../validation.js';
import { assertCallbackUrl } from './callback-url.js';
import { requestedCoachingPolicy } from './coaching-policy.js';
import { deadlineAt, jobOptions } from './job-options.js';
import { type CommonJobData, jobIdsOf, planJobs } from './plan-jobs.js';

export function registerPlanRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.post('/plans', async (request, reply) => {
    const body = parseBody(PlanRequestSchema, request.body);
    if (body.model && !ctx.models.has(body.model)) {
      throw new ApiError('unknown_model', `No instance serves model "${body.model}".`, [
        { field: 'model', message: `unknown model; known: ${[...ctx.models].sort().join(', ')}` },
      ]);
    }
    if (body.callbackUrl) await assertCallbackUrl(body.callbackUrl, ctx.webhookAllowPrivate);
    const coaching = requestedCoachingPolicy(body.coaching, ctx.coachingDefaults, ctx.models);
    const now = ctx.clock();
    const id = newJobId(ctx.clock);
    const common: CommonJobData = {
      tenant: request.tenant,
      createdAt: now,
      deadlineAt: deadlineAt(now, body.deadlineSeconds),
      ...(body.model ? { model: body.model, fallback: body.fallback } : {}),
      ...(body.callbackUrl ? { callbackUrl: body.callbackUrl } : {}),
      ...(body.metadata ? { metadata: body.metadata } : {}),
    };
    const jobs = planJobs({
      queueName: ctx.queue.name,
      common,
      plan: { description: body.description, date: body.date },
      coaching,
      opts: { ...jobOptions, jobId: id },
      newJobId: () => newJobId(ctx.clock),
    });
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
