import { PlanRequestSchema } from '@spillway/core';
import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context.js';
import { ApiError } from '../errors.js';
import { newJobId } from '../job-ids.js';
import { viewOf } from '../job-views.js';
import { parseBody } from '../validation.js';
import { assertCallbackUrl } from './callback-url.js';
import { requestedCoachingPolicy } from './coaching-policy.js';
import { interactiveJobOptions } from './job-options.js';
import { planJobs } from './plan-jobs.js';

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
    const jobs = planJobs({
      queueName: ctx.queue.name,
      request: { ...body, tenant: request.tenant, now },
      plan: { description: body.description, date: body.date },
      coaching,
      opts: interactiveJobOptions(id, body.priority),
      newJobId: () => newJobId(ctx.clock),
    });
    if (jobs.kind === 'single') await ctx.queue.add(jobs.name, jobs.data, jobs.opts);
    else await ctx.flows.add(jobs.flow);
    const job = await ctx.queue.getJob(id);
    const view = await viewOf(ctx, job!);
    return reply.status(202).header('location', `/v1/jobs/${id}`).header('retry-after', '1').send(view);
  });
}
