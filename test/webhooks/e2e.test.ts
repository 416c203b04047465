import { closeRedis, PlanResultSchema } from '@spillway/core';
import { afterEach, describe, expect, it } from 'vitest';
import { readDeliveries } from '../../packages/core/src/webhooks/index.js';
import { testRedis } from '../support/redis.js';
import { type Stack, startStack, TEST_WEBHOOK_SECRET } from '../support/stack.js';
import { type Receiver, signatureMatches, startReceiver, verifyWithLibrary } from './receiver.js';

describe('webhooks end to end (POST /v1/plans → worker → signed callback)', () => {
  let stack: Stack | undefined;
  let receiver: Receiver | undefined;
  afterEach(async () => {
    await stack?.close();
    await receiver?.close();
    stack = undefined;
    receiver = undefined;
  });

  it('posts job.completed with the completed job view to the callbackUrl, signed, and records the delivery', async () => {
    stack = await startStack({ webhookAllowPrivate: true });
    receiver = await startReceiver();
    const response = await stack.request('POST', '/v1/plans', {
      description: 'Deep work until noon, lunch, answer email, gym at six',
      callbackUrl: receiver.url,
    });
    expect(response.status).toBe(202);
    const { id } = (await response.json()) as { id: string };

    const [request] = await receiver.waitFor(1, 15_000);
    expect(request!.headers['webhook-id']).toBe(`msg_${id}_job_completed`);
    const event = verifyWithLibrary(TEST_WEBHOOK_SECRET, request!) as {
      type: string;
      timestamp: string;
      data: Record<string, unknown>;
    };
    expect(signatureMatches(TEST_WEBHOOK_SECRET, request!)).toBe(true);
    expect(event.type).toBe('job.completed');
    expect(Date.parse(event.timestamp)).not.toBeNaN();
    expect(event.data).toMatchObject({ id, kind: 'plan', status: 'completed' });
    expect(PlanResultSchema.safeParse(event.data.result).success).toBe(true);
    // The view the webhook carries is the view the API serves.
    const served = await stack.waitForJob(id);
    expect(event.data).toMatchObject({ result: served.result, finishedAt: served.finishedAt });

    const redis = testRedis(stack.prefix);
    try {
      let deliveries = await readDeliveries(redis, stack.prefix, id);
      for (let i = 0; i < 50 && deliveries[0]?.status !== 'delivered'; i++) {
        await new Promise((r) => setTimeout(r, 20));
        deliveries = await readDeliveries(redis, stack.prefix, id);
      }
      expect(deliveries).toEqual([
        expect.objectContaining({
          type: 'job.completed',
          url: receiver.url,
          status: 'delivered',
          attempts: 1,
        }),
      ]);
    } finally {
      await closeRedis(redis);
    }
    expect(receiver.received).toHaveLength(1);
  });

  it('posts job.failed with the error once a job fails for good', async () => {
    stack = await startStack({ webhookAllowPrivate: true });
    stack.sim.setFaults({ kind: 'invalid_output' });
    receiver = await startReceiver();
    const response = await stack.request('POST', '/v1/plans', {
      description: 'Plan my day',
      callbackUrl: receiver.url,
    });
    const { id } = (await response.json()) as { id: string };

    const [request] = await receiver.waitFor(1, 15_000);
    const event = verifyWithLibrary(TEST_WEBHOOK_SECRET, request!) as {
      type: string;
      data: Record<string, unknown>;
    };
    expect(request!.headers['webhook-id']).toBe(`msg_${id}_job_failed`);
    expect(event).toMatchObject({
      type: 'job.failed',
      data: { id, status: 'failed', error: { code: 'invalid_output' } },
    });
  });

  it('sends nothing for a failure BullMQ will retry, only the final job.completed', async () => {
    stack = await startStack({ webhookAllowPrivate: true });
    stack.sim.setFaults({ kind: 'server_error', count: 1 });
    receiver = await startReceiver();
    const response = await stack.request('POST', '/v1/plans', {
      description: 'Plan my day',
      callbackUrl: receiver.url,
    });
    const { id } = (await response.json()) as { id: string };
    const done = await stack.waitForJob(id, 20_000);
    expect(done.status).toBe('completed');
    expect(done.attempts).toEqual([
      expect.objectContaining({ outcome: 'error' }),
      expect.objectContaining({ outcome: 'ok' }),
    ]);
    // A job.failed for the first attempt would have been queued two seconds before this one.
    await receiver.waitFor(1);
    expect(receiver.received.map((r) => r.headers['webhook-id'])).toEqual([`msg_${id}_job_completed`]);
  });

  it('sends nothing for a job without a callbackUrl', async () => {
    stack = await startStack({ webhookAllowPrivate: true });
    const response = await stack.request('POST', '/v1/plans', { description: 'Plan my day' });
    const { id } = (await response.json()) as { id: string };
    await stack.waitForJob(id);
    const redis = testRedis(stack.prefix);
    try {
      expect(await readDeliveries(redis, stack.prefix, id)).toEqual([]);
    } finally {
      await closeRedis(redis);
    }
  });

  it.each([
    ['http://10.0.0.1/hooks', /10\.0\.0\.1 is a private address/],
    ['http://169.254.169.254/latest/meta-data/', /cloud metadata address/],
    ['http://127.0.0.1:9/hooks', /loopback/],
    ['http://[::ffff:192.168.1.1]/hooks', /IPv4-mapped form of 192\.168\.1\.1/],
  ])('answers 400 problem+json naming callbackUrl for %s when private callbacks are off', async (callbackUrl, message) => {
    stack = await startStack();
    const response = await stack.request('POST', '/v1/plans', { description: 'Plan my day', callbackUrl });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await response.json()) as {
      code: string;
      errors: Array<{ field: string; message: string }>;
    };
    expect(problem.code).toBe('validation_failed');
    expect(problem.errors).toEqual([{ field: 'callbackUrl', message: expect.stringMatching(message) }]);
  });
});
