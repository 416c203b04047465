import { createServer, type Server } from 'node:http';
import { closeRedis, readDeliveries, type WebhookDelivery } from '@spillway/core';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../support/private-redis.js';
import { testRedis } from '../support/redis.js';
import { type Stack, startStack, TEST_WEBHOOK_SECRET } from '../support/stack.js';
import { type Received, verifyWithLibrary } from '../webhooks/receiver.js';

/**
 * A receiver that is down (nothing listens on its port) while jobs finish, and comes back later:
 * every webhook is retried on the schedule and delivered once it is back, signed, with the same
 * webhook-id it had on the failed attempts.
 */
describe('webhook receiver down for a while', () => {
  let stack: Stack | undefined;
  let server: Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await stack?.close();
    stack = undefined;
    server = undefined;
  });

  it('delivers every webhook after it comes back, in retry order, each signature valid', async () => {
    stack = await startStack({
      webhookAllowPrivate: true,
      webhookRetryScheduleMs: [0, 300, 600, 900, 1200, 1500, 1800, 2100],
    });
    const port = await freePort();
    const callbackUrl = `http://127.0.0.1:${port}/hooks`;
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const response = await stack.request('POST', '/v1/plans', { description: `Day ${i}`, callbackUrl });
      ids.push(((await response.json()) as { id: string }).id);
      // Apart enough that their retries keep a clear order.
      await stack.waitForJob(ids[i]!);
    }

    const redis = testRedis(stack.prefix);
    try {
      // Every webhook has failed at least twice against the closed port.
      const deadline = Date.now() + 10_000;
      let records: WebhookDelivery[][] = [];
      for (;;) {
        records = await Promise.all(ids.map((id) => readDeliveries(redis, stack!.prefix, id)));
        if (records.every(([d]) => d !== undefined && d.attempts >= 2)) break;
        if (Date.now() > deadline) throw new Error(`not retried yet: ${JSON.stringify(records)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      for (const [delivery] of records) {
        expect(delivery).toMatchObject({
          status: 'pending',
          lastError: expect.stringMatching(/ECONNREFUSED/),
        });
      }

      const received: Received[] = [];
      server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (chunk: Buffer) => chunks.push(chunk));
        req.on('end', () => {
          received.push({
            path: req.url ?? '',
            headers: req.headers,
            body: Buffer.concat(chunks).toString('utf8'),
            at: Date.now(),
          });
          res.writeHead(204).end();
        });
      });
      await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve));

      const arrived = Date.now() + 10_000;
      while (received.length < ids.length) {
        if (Date.now() > arrived) throw new Error(`${received.length} of ${ids.length} webhooks arrived`);
        await new Promise((r) => setTimeout(r, 20));
      }
      await new Promise((r) => setTimeout(r, 300));
      expect(received).toHaveLength(ids.length);
      const events = received.map(
        (request) =>
          verifyWithLibrary(TEST_WEBHOOK_SECRET, request) as { type: string; data: { id: string } },
      );
      // The jobs finished in order, so their retries came due in that order.
      expect(events.map((e) => e.data.id)).toEqual(ids);
      expect(events.every((e) => e.type === 'job.completed')).toBe(true);
      expect(received.map((r) => r.headers['webhook-id'])).toEqual(
        ids.map((id) => `msg_${id}_job_completed`),
      );

      for (const id of ids) {
        let [delivery] = await readDeliveries(redis, stack.prefix, id);
        for (let i = 0; i < 50 && delivery?.status !== 'delivered'; i++) {
          await new Promise((r) => setTimeout(r, 20));
          [delivery] = await readDeliveries(redis, stack.prefix, id);
        }
        expect(delivery).toMatchObject({ status: 'delivered', lastStatus: 204 });
        expect(delivery!.attempts).toBeGreaterThanOrEqual(3);
      }
    } finally {
      await closeRedis(redis);
    }
  }, 30_000);
});
