import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../app.js';
import { ApiError } from '../errors.js';
import { findJob, viewOf } from '../job-views.js';

export function registerJobRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get<{ Params: { id: string } }>('/jobs/:id', async (request) => {
    const job = await findJob(ctx, request.tenant, request.params.id);
    if (!job) throw new ApiError('not_found', `No job ${request.params.id}.`);
    return viewOf(ctx, job);
  });
}
