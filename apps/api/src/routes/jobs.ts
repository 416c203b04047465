import { TERMINAL } from '@spillway/core';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { cancelJob } from '../cancel-job.js';
import type { ApiContext } from '../context.js';
import { JobIdParams, JobViewDoc, responses, V1_SECURITY } from '../docs/schemas.js';
import { ApiError } from '../errors.js';
import { isJobId } from '../job-ids.js';
import { loadView } from '../job-views.js';

const MAX_WAIT_SECONDS = 30;
export const JobQuerySchema = z.strictObject({
  wait: z.coerce
    .number()
    .min(0)
    .max(MAX_WAIT_SECONDS)
    .optional()
    .describe(`Long-poll: wait up to this many seconds (≤ ${MAX_WAIT_SECONDS}) for a terminal status`),
});

const READ_ROUTE = {
  summary: 'Read a job',
  description:
    'The job view. With `?wait=N` the answer waits up to N seconds (at most 30) for a terminal status; ' +
    '`Retry-After` says when to look again while it is not finished.',
  tags: ['jobs'],
  security: V1_SECURITY,
  params: JobIdParams,
  querystring: JobQuerySchema,
  response: responses({ 200: { description: 'The job view', schema: JobViewDoc } }, [
    'validation_failed',
    'not_found',
  ]),
};

const CANCEL_ROUTE = {
  summary: 'Cancel a job',
  description:
    'Cancels the job and its coaching parent or plan child. A job not running is cancelled at once (200); ' +
    'a running one is stopped by its worker, which aborts the provider call (202 until then).',
  tags: ['jobs'],
  security: V1_SECURITY,
  params: JobIdParams,
  response: responses(
    {
      200: { description: 'Cancelled: the final view', schema: JobViewDoc },
      202: { description: 'Cancellation under way: the current view', schema: JobViewDoc },
    },
    ['not_found', 'job_finished'],
  ),
};

export function registerJobRoutes(app: FastifyInstance, ctx: ApiContext): void {
  /** The job view; `?wait=N` long-polls up to N seconds (≤ 30) for a terminal status. */
  app.get<{ Params: { id: string } }>('/jobs/:id', { schema: READ_ROUTE }, async (request, reply) => {
    const { wait } = request.query as z.output<typeof JobQuerySchema>;
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
  app.delete<{ Params: { id: string } }>('/jobs/:id', { schema: CANCEL_ROUTE }, async (request, reply) => {
    const { id } = request.params;
    const outcome = isJobId(id) ? await cancelJob(ctx, request.tenant, id) : null;
    if (!outcome) throw new ApiError('not_found', `No job ${id}.`);
    if (!outcome.settled) reply.status(202).header('retry-after', '1');
    return outcome.view;
  });
}
