import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ApiContext } from '../context.js';
import { responses } from '../docs/schemas.js';
import { ApiError } from '../errors.js';

const Status = z.object({ status: z.string() });

const Ready = Status.extend({
  providersVersion: z
    .string()
    .describe('The providers file version this process runs (`<counter>-<content hash>`, or `fixed`)'),
});

const READY_ROUTE = {
  summary: 'Readiness',
  description: 'Ready when Redis answers (within a second); 503 otherwise.',
  tags: ['operations'],
  security: [],
  response: responses({ 200: { description: 'Redis answers', schema: Ready } }, ['service_unavailable'], {
    v1: false,
  }),
};

export function registerHealthRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get(
    '/healthz',
    {
      schema: {
        summary: 'Liveness',
        description: 'The process is up; it does not look at Redis.',
        tags: ['operations'],
        security: [],
        response: responses({ 200: { description: 'Up', schema: Status } }, [], { v1: false }),
      },
    },
    async () => ({ status: 'ok' }),
  );

  /** Ready when Redis answers: without it the API can neither accept nor read jobs. */
  app.get('/readyz', { schema: READY_ROUTE }, async () => {
    const ping = ctx.redis.ping();
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error('timeout')), 1000).unref(),
    );
    try {
      await Promise.race([ping, timeout]);
    } catch {
      throw new ApiError('service_unavailable', 'Redis does not answer.', undefined, { 'retry-after': '5' });
    }
    return { status: 'ready', providersVersion: ctx.providers.current().version };
  });
}
