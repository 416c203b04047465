import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../app.js';
import { ApiError } from '../errors.js';

export function registerHealthRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get('/healthz', async () => ({ status: 'ok' }));

  /** Ready when Redis answers: without it the API can neither accept nor read jobs. */
  app.get('/readyz', async () => {
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
