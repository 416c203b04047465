import { TERMINAL } from '@spillway/core';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { cancelJob } from '../cancel-job.js';
import type { ApiContext } from '../context.js';
import { ApiError } from '../errors.js';
import { isJobId } from '../job-ids.js';
import { loadView } from '../job-views.js';
import { parseBody } from '../validation.js';

const MAX_WAIT_SECONDS = 30;
export const JobQuerySchema = z.strictObject({
  wait: z.coerce
    .number()
    .min(0)
    .max(MAX_WAIT_SECONDS)
    .optional()
    .describe(`Long-poll: wait up to this many seconds (≤ ${MAX_WAIT_SECONDS}) for a terminal status`),
});

export function registerJobRoutes(app: FastifyInstance, ctx: ApiContext): void {
  /** The job view; `?wait=N` long-polls up to N seconds (≤ 30) for a terminal status. */
  app.get<{ Params: { id: string } }>('/jobs/:id', async (request, reply) => {
    const { wait } = parseBody(JobQuerySchema, request.query);
    const { id } = request.params;
    let view = await loadView(ctx, request.tenant, id);
    if (!view) throw new ApiError('not_found', `No job ${id}.`);
    if (wait && !TERMINAL.has(view.status)) {
      const closed = new AbortController();
      request.raw.once('close', () => closed.abort());
      await ctx.waiters.wait(
        id,
        wait * 1000,
        async () => !TERMINAL.has((await loadView(ctx, request.tenant, id))?.status ?? 'cancelled'),
        closed.signal,
      );
      view = (await loadView(ctx, request.tenant, id)) ?? view;
    }
    if (!TERMINAL.has(view.status)) reply.header('retry-after', '1');
    return view;
  });

  /**
   * Cancels the job (and its coaching parent or plan child). 200 with the cancelled view when it is
   * cancelled already; 202 while a worker still has to stop its provider call.
   */
  app.delete<{ Params: { id: string } }>('/jobs/:id', async (request, reply) => {
    const { id } = request.params;
    const outcome = isJobId(id) ? await cancelJob(ctx, request.tenant, id) : null;
    if (!outcome) throw new ApiError('not_found', `No job ${id}.`);
    if (!outcome.settled) reply.status(202).header('retry-after', '1');
    return outcome.view;
  });
}
