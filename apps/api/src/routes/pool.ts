import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context.js';
import { PoolAnswerDoc, responses, V1_SECURITY } from '../docs/schemas.js';

const POOL_ROUTE = {
  summary: 'The provider pool',
  description:
    'Every instance (credential × model): its state, when a limit ends and why, and usage against known and learned limits.',
  tags: ['pool'],
  security: V1_SECURITY,
  response: responses({ 200: { description: 'Every instance', schema: PoolAnswerDoc } }),
};

export function registerPoolRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get('/pool', { schema: POOL_ROUTE }, async () => {
    const { version, instances } = ctx.providers.current();
    return { providersVersion: version, instances: await ctx.pool.snapshot(instances) };
  });
}
