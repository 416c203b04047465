import { closeRedis, createLogger, createRedis, type RedisClient, Secret } from '@spillway/core';
import { Job } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import { enqueueWebhook, type RunningWebhooks, startWebhooks } from '../../apps/worker/src/webhooks/index.js';
import { readDeliveries, type WebhookDelivery } from '../../packages/core/src/webhooks/index.js';
import { redisUrl } from '../support/redis.js';
import { uniquePrefix } from '../support/tracked.js';
import {
  type Received,
  type Receiver,
  type Reply,
  signatureMatches,
  startReceiver,
  verifyWithLibrary,
} from './receiver.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

interface Sender {
  webhooks: RunningWebhooks;
  prefix: string;
  redis: RedisClient;
  close(): Promise<void>;
}

/** The webhooks queue and delivery worker as a jobs worker runs them, on a real Redis. */
async function startSender(options: { schedule?: number[]; clock?: () => number } = {}): Promise<Sender> {
  const prefix = uniquePrefix('wh');
  const connections: RedisClient[] = [];
  const connect = (role: string) => {
    const c = createRedis({ url: redisUrl(), cluster: false }, `${prefix}:worker:${role}`);
    connections.push(c);
    return c;
  };
  const webhooks = await startWebhooks(
    { secret: new Secret(SECRET), allowPrivate: true, retryScheduleMs: options.schedule ?? [0, 200, 400] },
    { connect, prefix, clock: options.clock ?? Date.now, logger: createLogger({ level: 'silent' }) },
  );
  return {
    webhooks,
    prefix,
    redis: connections[0]!,
    async close() {
      await webhooks.close();
      await Promise.all(connections.map(closeRedis));
    },
  };
}

const jobView = (id: string) => ({
  id,
  kind: 'plan',
  status: 'completed',
  result: { summary: 's', items: [] },
});

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`still not done: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function finalState(sender: Sender, webhookId: string): Promise<string> {
  return until(
    async () => (await Job.fromId(sender.webhooks.queue.bullmq, webhookId))?.getState() ?? 'missing',
    (state) => state === 'completed' || state === 'failed',
  );
}

const deliveriesOf = (sender: Sender, jobId: string) => readDeliveries(sender.redis, sender.prefix, jobId);

describe('webhook delivery queue', () => {
  let sender: Sender | undefined;
  const receivers: Receiver[] = [];
  const receiver = async (reply?: (index: number, request: Received) => Reply) => {
    const r = await startReceiver(reply);
    receivers.push(r);
    return r;
  };
  afterEach(async () => {
    await sender?.close();
    sender = undefined;
    for (const r of receivers.splice(0)) await r.close();
  });

  it('delivers a signed event that the Standard Webhooks library verifies, once even if queued twice', async () => {
    sender = await startSender();
    const hooks = await receiver();
    const event = {
      type: 'job.completed' as const,
      url: hooks.url,
      data: jobView('job_one'),
      at: Date.UTC(2026, 4, 1),
    };
    const id = await enqueueWebhook(sender.webhooks.queue, event);
    expect(await enqueueWebhook(sender.webhooks.queue, event)).toBe(id);

    const [request] = await hooks.waitFor(1);
    expect(await finalState(sender, id)).toBe('completed');
    expect(hooks.received).toHaveLength(1);
    expect(request!.headers).toMatchObject({
      'webhook-id': 'msg_job_one_job_completed',
      'content-type': 'application/json',
      'user-agent': 'Spillway-Webhooks/1',
    });
    expect(JSON.parse(request!.body)).toEqual({
      type: 'job.completed',
      timestamp: '2026-05-01T00:00:00.000Z',
      data: jobView('job_one'),
    });
    expect(verifyWithLibrary(SECRET, request!)).toEqual(JSON.parse(request!.body));
    expect(signatureMatches(SECRET, request!)).toBe(true);
    expect(await deliveriesOf(sender, 'job_one')).toEqual([
      expect.objectContaining({
        type: 'job.completed',
        url: hooks.url,
        status: 'delivered',
        attempts: 1,
        lastStatus: 204,
      }),
    ]);
  });

  it('retries a failed delivery with the same webhook-id, a later timestamp and a valid signature each time', async () => {
    let skewMs = 0; // time "passes" between attempts without the test waiting for it
    sender = await startSender({ clock: () => Date.now() + skewMs });
    const hooks = await receiver((index) => {
      if (index === 0) {
        skewMs += 2000;
        return { status: 500 };
      }
      return { status: 200 };
    });
    const id = await enqueueWebhook(sender.webhooks.queue, {
      type: 'job.failed',
      url: hooks.url,
      data: jobView('job_two'),
    });
    const [first, second] = await hooks.waitFor(2);
    expect(await finalState(sender, id)).toBe('completed');

    expect(first!.headers['webhook-id']).toBe('msg_job_two_job_failed');
    expect(second!.headers['webhook-id']).toBe(first!.headers['webhook-id']);
    expect(Number(second!.headers['webhook-timestamp'])).toBeGreaterThanOrEqual(
      Number(first!.headers['webhook-timestamp']) + 2,
    );
    expect(second!.body).toBe(first!.body);
    for (const request of [first!, second!]) {
      expect(verifyWithLibrary(SECRET, request)).toMatchObject({ type: 'job.failed' });
      expect(signatureMatches(SECRET, request)).toBe(true);
    }
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(200); // the schedule's second step
    expect(await deliveriesOf(sender, 'job_two')).toEqual([
      expect.objectContaining({ status: 'delivered', attempts: 2, lastStatus: 200 }),
    ]);
  });

  it('stops for good after a 410 Gone: one try, no retries', async () => {
    sender = await startSender();
    const hooks = await receiver(() => ({ status: 410 }));
    const id = await enqueueWebhook(sender.webhooks.queue, {
      type: 'job.completed',
      url: hooks.url,
      data: jobView('job_gone'),
    });
    expect(await finalState(sender, id)).toBe('failed');
    expect(hooks.received).toHaveLength(1);
    expect(await deliveriesOf(sender, 'job_gone')).toEqual([
      expect.objectContaining({ status: 'gone', attempts: 1, lastStatus: 410 }),
    ]);
  });

  it('waits at least the Retry-After of a 429 before the next try, even when the schedule says sooner', async () => {
    sender = await startSender({ schedule: [0, 100, 100] });
    const hooks = await receiver((index) =>
      index === 0 ? { status: 429, headers: { 'retry-after': '1' } } : { status: 204 },
    );
    const id = await enqueueWebhook(sender.webhooks.queue, {
      type: 'job.completed',
      url: hooks.url,
      data: jobView('job_busy'),
    });
    const [first, second] = await hooks.waitFor(2, 5000);
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(1000);
    expect(await finalState(sender, id)).toBe('completed');
    const [delivery] = await deliveriesOf(sender, 'job_busy');
    expect(delivery).toMatchObject({ status: 'delivered', attempts: 2 });
  });

  it('does not follow a redirect: the target sees nothing, and the delivery fails once the schedule is spent', async () => {
    sender = await startSender({ schedule: [0, 50] });
    const target = await receiver();
    const hooks = await receiver(() => ({ status: 302, headers: { location: target.url } }));
    const id = await enqueueWebhook(sender.webhooks.queue, {
      type: 'job.completed',
      url: hooks.url,
      data: jobView('job_moved'),
    });
    expect(await finalState(sender, id)).toBe('failed');
    expect(hooks.received).toHaveLength(2);
    expect(target.connections()).toBe(0);
    const [delivery] = (await deliveriesOf(sender, 'job_moved')) as [WebhookDelivery];
    expect(delivery).toMatchObject({
      status: 'failed',
      attempts: 2,
      lastStatus: 302,
      lastError: 'redirect (302) not followed',
    });
    expect(Date.parse(delivery.lastAttemptAt!)).toBeGreaterThan(Date.now() - 10_000);
  });
});
