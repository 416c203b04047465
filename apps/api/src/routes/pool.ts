import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../app.js';

export function registerPoolRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get('/pool', async () => {
    const { version, instances } = ctx.providers.current();
    return { providersVersion: version, instances: await ctx.pool.snapshot(instances) };
  });
}
