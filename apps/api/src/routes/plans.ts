import { type JobData, PlanRequestSchema } from '@spillway/core';
import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../app.js';
import { ApiError } from '../errors.js';
import { newJobId } from '../job-ids.js';
import { viewOf } from '../job-views.js';
import { parseBody } from '../validation.js';
import { assertCallbackUrl } from './callback-url.js';
import { pinnedCoachingModel, requestedCoachingPolicy } from './coaching-policy.js';
import { jobOptions } from './job-options.js';

const DEFAULT_DEADLINE_SECONDS = 86_400;

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
    const common = {
      tenant: request.tenant,
      createdAt: now,
      deadlineAt: now + (body.deadlineSeconds ?? DEFAULT_DEADLINE_SECONDS) * 1000,
      ...(body.model ? { model: body.model, fallback: body.fallback } : {}),
      ...(body.callbackUrl ? { callbackUrl: body.callbackUrl } : {}),
      ...(body.metadata ? { metadata: body.metadata } : {}),
    };
    const plan: JobData = {
      ...common,
      kind: 'plan',
      plan: { description: body.description, date: body.date },
    };

    if (!coaching) {
      await ctx.queue.add('plan', plan, { ...jobOptions, jobId: id });
    } else {
      // One atomic flow: coaching is the parent and runs only once its plan child completes;
      // a failed plan fails the coaching job with the reason, instead of leaving it hanging.
      const coachingId = newJobId(ctx.clock);
      plan.coachingJobId = coachingId;
      await ctx.flows.add({
        name: 'coaching',
        queueName: ctx.queue.name,
        data: {
          ...common,
          kind: 'coaching',
          model: pinnedCoachingModel(undefined, coaching),
          coaching: { planJobId: id, policy: coaching },
        } satisfies JobData,
        opts: { ...jobOptions, jobId: coachingId },
        children: [
          {
            name: 'plan',
            queueName: ctx.queue.name,
            data: plan,
            opts: { ...jobOptions, jobId: id, failParentOnFailure: true },
          },
        ],
      });
    }
    const job = await ctx.queue.getJob(id);
    const view = await viewOf(ctx, job!);
    return reply.status(202).header('location', `/v1/jobs/${id}`).header('retry-after', '1').send(view);
  });
}
