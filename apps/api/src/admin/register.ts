import type { Pool, ProvidersSource, Secret } from '@spillway/core';
import type { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { adminGuard } from './auth.js';
import { registerPoolPageRoutes } from './pool-routes.js';
import { registerQueueDashboard } from './queue-dashboard.js';
import { registerReloadRoute } from './reload-route.js';
import { adminSessions } from './session.js';

export const ADMIN_PREFIX = '/admin';

export interface AdminDeps {
  adminKey: Secret;
  queues: readonly Queue[];
  pool: Pool;
  providers: ProvidersSource;
  clock: () => number;
}

/**
 * The admin pages under /admin, every one behind the admin key (or a session it opened): the queue dashboard
 * (`/admin/queues`) and the live pool page (`/admin/pool`, polling `/admin/pool.json`).
 */
export async function registerAdminRoutes(app: FastifyInstance, deps: AdminDeps): Promise<void> {
  await app.register(
    async (admin) => {
      admin.addHook('onRequest', adminGuard(deps.adminKey, adminSessions(deps.adminKey, deps.clock)));
      registerPoolPageRoutes(admin, deps);
      registerReloadRoute(admin, deps);
      await registerQueueDashboard(admin, deps.queues, {
        basePath: `${ADMIN_PREFIX}/queues`,
        path: '/queues',
      });
    },
    { prefix: ADMIN_PREFIX },
  );
}
