import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';

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
  await app.register(server.registerPlugin(), { prefix: where.path });
}
