import type { Pool, ProvidersSource } from '@spillway/core';
import type { FastifyInstance } from 'fastify';
import { renderPoolPage } from './pool-page.js';

export interface PoolRoutesDeps {
  pool: Pool;
  /** The providers in force: the page follows reloads. */
  providers: ProvidersSource;
  clock: () => number;
}

/** `/pool` (the live page) and `/pool.json` (what it polls: the pool snapshot and the server's time). */
export function registerPoolPageRoutes(app: FastifyInstance, deps: PoolRoutesDeps): void {
  const page = renderPoolPage();
  app.get('/pool', async (_request, reply) =>
    reply
      .type('text/html; charset=utf-8')
      .header('content-security-policy', page.contentSecurityPolicy)
      .header('cache-control', 'no-store')
      .send(page.html),
  );
  app.get('/pool.json', async (_request, reply) => {
    const { version, instances } = deps.providers.current();
    const snapshot = await deps.pool.snapshot(instances);
    return reply
      .header('cache-control', 'no-store')
      .send({ now: new Date(deps.clock()).toISOString(), providersVersion: version, instances: snapshot });
  });
}
