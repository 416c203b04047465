import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context.js';

export function registerPoolRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get('/pool', async () => ({ instances: await ctx.pool.snapshot(ctx.instances) }));
}
