import {
  closeRedis,
  createAdapters,
  createLogger,
  hashTaggedPrefix,
  loadProviders,
  Secret,
} from '@spillway/core';
import { createSimulator, type Simulator } from '@spillway/simulator';
import { type RunningWorker, startWorker } from '@spillway/worker';
import { afterEach, describe, expect, it } from 'vitest';
import { type ApiServer, startApiServer } from '../support/api-server.js';
import { redisUrl, testRedis } from '../support/redis.js';
import { TEST_WEBHOOK_SECRET } from '../support/stack.js';
import { uniquePrefix } from '../support/tracked.js';
import { type Receiver, startReceiver, verifyWithLibrary } from '../webhooks/receiver.js';

/**
 * A job's webhook is queued after the job finishes, in a separate step; a worker that dies (or
 * cannot write) in between must not lose it. The failure here is a write that fails, because it can
 * be made deterministic; a SIGKILL at that moment (worker-kill.test.ts) leaves the same state.
 */
describe('webhooks a finished job still owes', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  it('are queued by a later sweep when queueing failed right after the job finished', async () => {
    const sim: Simulator = await createSimulator({ models: { m: { dialect: 'openai' } }, latencyMs: 5 });
    cleanup.push(() => sim.close());
    const receiver: Receiver = await startReceiver();
    cleanup.push(() => receiver.close());
    const prefix = uniquePrefix('owed');
    const providers = { providers: [{ id: 'sim', type: 'simulated', baseUrl: sim.url, models: ['m'] }] };
    const api: ApiServer = await startApiServer({
      redis: { url: redisUrl(), cluster: false },
      prefix,
      providers,
      simulatorUrl: sim.url,
      webhookAllowPrivate: true,
    });
    cleanup.push(() => api.close());
    const response = await api.request('POST', '/v1/plans', {
      description: 'Inbox zero, write, gym',
      callbackUrl: receiver.url,
    });
    const { id } = (await response.json()) as { id: string };

    // The webhooks queue's metadata is in the way (a key of the wrong type): queueing a webhook fails.
    const redis = testRedis(prefix);
    cleanup.push(() => closeRedis(redis));
    const blocker = `${hashTaggedPrefix(prefix)}:webhooks:meta`;
    await redis.set(blocker, 'in the way');

    const { instances } = loadProviders({
      fileText: JSON.stringify(providers),
      env: {},
      simulatorUrl: sim.url,
    });
    const worker: RunningWorker = await startWorker({
      redis: { url: redisUrl(), cluster: false },
      prefix,
      concurrency: 1,
      instances,
      adapterFor: createAdapters({ timeoutMs: 5000 }),
      logger: createLogger({ level: 'silent' }),
      webhooks: {
        secret: new Secret(TEST_WEBHOOK_SECRET),
        allowPrivate: true,
        retryScheduleMs: [0, 100],
        owedSweepMs: 200,
      },
    });
    cleanup.push(() => worker.close());

    const view = (await (await api.request('GET', `/v1/jobs/${id}?wait=10`)).json()) as { status: string };
    expect(view.status).toBe('completed');
    await new Promise((r) => setTimeout(r, 600));
    expect(receiver.received).toHaveLength(0);

    // Once the write can succeed again, a sweep queues the webhook the job owes.
    await redis.del(blocker);
    const [request] = await receiver.waitFor(1, 5000);
    expect(request!.headers['webhook-id']).toBe(`msg_${id}_job_completed`);
    expect(verifyWithLibrary(TEST_WEBHOOK_SECRET, request!)).toMatchObject({
      type: 'job.completed',
      data: { id, status: 'completed' },
    });
    await new Promise((r) => setTimeout(r, 600));
    expect(receiver.received).toHaveLength(1);
  });
});
