import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { responses } from '../docs/schemas.js';

/**
 * `GET /metrics` in the Prometheus text format. Open like /healthz: it names instances and counts
 * jobs but carries no job content, tenant or key; keep the port off the public internet.
 */
const METRICS_ROUTE = {
  summary: 'Prometheus metrics',
  description:
    'Queue depths and jobs waiting for capacity, instance states, provider calls by instance and outcome, ' +
    '429s, fallbacks, provider latency, finished jobs and webhook deliveries (totals over every worker, ' +
    'kept in Redis), and this process. No key: serve it on a private network.',
  tags: ['operations'],
  security: [],
  response: responses(
    { 200: { description: 'The Prometheus text format', type: 'text/plain; version=0.0.4' } },
    [],
    { v1: false },
  ),
};

export function registerMetricsRoute(app: FastifyInstance, registry: Registry): void {
  app.get('/metrics', { schema: METRICS_ROUTE }, async (_request, reply) => {
    const text = await registry.metrics();
    return reply.type(registry.contentType).send(text);
  });
}
