import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';

/**
 * The dashboard's page loads its fonts from an outside host, which an offline or air-gapped install
 * cannot reach (and which tells that host who looks at the dashboard): the link goes, the page
 * falls back to the system sans-serif, and the policy below stops any other outside load.
 */
const EXTERNAL_STYLESHEET = /<link\b[^>]*\bhref="https?:\/\/[^"]*"[^>]*>/gi;
const CONTENT_SECURITY_POLICY =
  "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; object-src 'none'; base-uri 'self'; frame-ancestors 'none'";

/**
 * bull-board over the observed queues, registered at `path` under `basePath` (its pages and assets
 * link from the full path). Read-only: jobs change through the API (cancel), which keeps batches
 * and webhooks in step; a retry from the dashboard would also re-run a job past its deadline.
 */
export async function registerQueueDashboard(
  app: FastifyInstance,
  queues: readonly Queue[],
  where: { basePath: string; path: string },
): Promise<void> {
  const server = new FastifyAdapter();
  server.setBasePath(where.basePath);
  createBullBoard({
    queues: queues.map((queue) => new BullMQAdapter(queue, { readOnlyMode: true })),
    serverAdapter: server,
    options: { uiConfig: { boardTitle: 'Spillway queues' } },
  });
  await app.register(async (dashboard) => {
    dashboard.addHook('onSend', async (_request, reply, payload) => {
      if (typeof payload !== 'string' || !String(reply.getHeader('content-type')).startsWith('text/html')) {
        return payload;
      }
      reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
      return payload.replace(EXTERNAL_STYLESHEET, '');
    });
    await dashboard.register(server.registerPlugin(), { prefix: where.path });
  });
}
