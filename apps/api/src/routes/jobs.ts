import { TERMINAL } from '@spillway/core';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ApiContext } from '../app.js';
import { ApiError } from '../errors.js';
import { findJob, viewOf } from '../job-views.js';
import { parseBody } from '../validation.js';

const MAX_WAIT_SECONDS = 30;
const JobQuerySchema = z.strictObject({
  wait: z.coerce.number().min(0).max(MAX_WAIT_SECONDS).optional(),
});

export function registerJobRoutes(app: FastifyInstance, ctx: ApiContext): void {
  /** The job view; `?wait=N` long-polls up to N seconds (≤ 30) for a terminal status. */
  app.get<{ Params: { id: string } }>('/jobs/:id', async (request, reply) => {
    const { wait } = parseBody(JobQuerySchema, request.query);
    const job = await findJob(ctx, request.tenant, request.params.id);
    if (!job) throw new ApiError('not_found', `No job ${request.params.id}.`);
    let view = await viewOf(ctx, job);
    if (wait && !TERMINAL.has(view.status)) {
      const closed = new AbortController();
      request.raw.once('close', () => closed.abort());
      await ctx.waiters.wait(
        job.id!,
        wait * 1000,
        async () => !(await job.isCompleted()) && !(await job.isFailed()),
        closed.signal,
      );
      const fresh = await findJob(ctx, request.tenant, job.id!);
      if (fresh) view = await viewOf(ctx, fresh);
    }
    if (!TERMINAL.has(view.status)) reply.header('retry-after', '1');
    return view;
  });
}
