import {
  CoachingResultSchema,
  createAdapters,
  createLogger,
  loadProviders,
  PlanResultSchema,
  Secret,
} from '@spillway/core';
import { createSimulator, type Simulator } from '@spillway/simulator';
import { type RunningWorker, startWorker } from '@spillway/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiServer, startApiServer } from '../support/api-server.js';
import { hasClusterTools, type RedisClusterHandle, startRedisCluster } from '../support/cluster.js';
import { TEST_WEBHOOK_SECRET } from '../support/stack.js';
import { uniquePrefix } from '../support/tracked.js';
import { type Receiver, startReceiver, verifyWithLibrary } from '../webhooks/receiver.js';

/**
 * The whole flow on a real three-master Redis Cluster: every key Spillway writes (BullMQ's, the
 * pool's, batches', idempotency's) carries the `{prefix}` hash tag, so each Lua script and MULTI
 * finds its keys in one slot. The leak guard cannot see cluster connections (it reads the shared
 * Redis's CLIENT LIST), so everything here is closed by hand and the nodes are killed after.
 */
type View = Record<string, unknown> & { id: string; status: string };

const runnable = hasClusterTools();
describe.skipIf(!runnable)(
  `on a Redis Cluster${runnable ? '' : ' (SKIPPED: needs redis-server and redis-cli on PATH)'}`,
  () => {
    let cluster: RedisClusterHandle;
    let sim: Simulator;
    let api: ApiServer;
    let worker: RunningWorker;
    let receiver: Receiver;
    let prefix: string;

    beforeAll(async () => {
      cluster = await startRedisCluster({ perTest: false });
      sim = await createSimulator({
        models: { m: { dialect: 'groq' }, big: { dialect: 'openai' } },
        latencyMs: 5,
      });
      receiver = await startReceiver();
      // The prefix lands in a slot of its own choosing: any of the three nodes may own every key.
      prefix = uniquePrefix('cluster');
      const target = { url: cluster.url, cluster: true };
      const providers = {
        providers: [
          { id: 'p1', type: 'simulated', baseUrl: sim.url, models: ['m', 'big'] },
          { id: 'p2', type: 'simulated', baseUrl: sim.url, models: ['m'] },
        ],
      };
      api = await startApiServer({
        redis: target,
        prefix,
        providers,
        simulatorUrl: sim.url,
        webhookAllowPrivate: true,
      });
      const { instances } = loadProviders({
        fileText: JSON.stringify(providers),
        env: {},
        simulatorUrl: sim.url,
      });
      worker = await startWorker({
        redis: target,
        prefix,
        concurrency: 10,
        instances,
        adapterFor: createAdapters({ timeoutMs: 5000 }),
        logger: createLogger({ level: (process.env.TEST_LOG_LEVEL as 'silent') ?? 'silent' }),
        webhooks: { secret: new Secret(TEST_WEBHOOK_SECRET), allowPrivate: true, retryScheduleMs: [0, 200] },
      });
    }, 60_000);

    afterAll(async () => {
      await api?.close();
      await worker?.close();
      await receiver?.close();
      await sim?.close();
      await cluster?.stop();
    });

    async function submit(body: Record<string, unknown>, headers: Record<string, string> = {}) {
      const response = await api.request(
        'POST',
        '/v1/plans',
        { description: 'Write, lunch, gym', ...body },
        headers,
      );
      expect(response.status).toBe(202);
      return (await response.json()) as View;
    }

    async function finished(id: string): Promise<View> {
      const deadline = Date.now() + 15_000;
      for (;;) {
        const view = (await (await api.request('GET', `/v1/jobs/${id}?wait=5`)).json()) as View;
        if (['completed', 'failed', 'cancelled'].includes(view.status)) return view;
        if (Date.now() > deadline) throw new Error(`job ${id} still ${view.status}`);
      }
    }

    it('keeps its keys on one slot: the cluster holds them all on a single node', async () => {
      await finished((await submit({})).id);
      const { Redis } = await import('ioredis');
      const perNode = await Promise.all(
        cluster.ports.map(async (port) => {
          const node = new Redis(port, '127.0.0.1');
          try {
            return (await node.keys(`{${prefix}}*`)).length;
          } finally {
            node.disconnect();
          }
        }),
      );
      expect(perNode.filter((n) => n > 0)).toHaveLength(1);
    });

    it('runs a plan from POST to result, with long-poll, webhook and idempotent replay', async () => {
      const key = { 'idempotency-key': `cluster-${prefix}` };
      const accepted = await submit({ callbackUrl: receiver.url }, key);
      const replay = await api.request(
        'POST',
        '/v1/plans',
        { description: 'Write, lunch, gym', callbackUrl: receiver.url },
        key,
      );
      expect(replay.status).toBe(202);
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
      expect(((await replay.json()) as View).id).toBe(accepted.id);

      const view = await finished(accepted.id);
      expect(view.status).toBe('completed');
      expect(PlanResultSchema.safeParse(view.result).success).toBe(true);
      const [delivery] = await receiver.waitFor(1, 10_000);
      expect(verifyWithLibrary(TEST_WEBHOOK_SECRET, delivery!)).toMatchObject({
        type: 'job.completed',
        data: { id: accepted.id, status: 'completed' },
      });
    });

    it('moves a rate-limited job to the other instance at once and shows the limit in GET /v1/pool', async () => {
      sim.setFaults({ model: 'm', kind: 'rate_limit', count: 1, retryAfterMs: 30_000 });
      const view = await finished((await submit({ model: 'm' })).id);
      expect(view.status).toBe('completed');
      const attempts = view.attempts as Array<{ instance: string; outcome: string }>;
      expect(attempts.map((a) => a.outcome)).toEqual(['rate_limited', 'ok']);
      expect(attempts[0]!.instance).not.toBe(attempts[1]!.instance);

      const pool = (await (await api.request('GET', '/v1/pool')).json()) as {
        instances: Array<{ id: string; state: string; limitedUntil: string | null }>;
      };
      const limited = pool.instances.find((i) => i.id === attempts[0]!.instance)!;
      expect(limited.state).toBe('limited');
      expect(Date.parse(limited.limitedUntil!) - Date.now()).toBeGreaterThan(20_000);
      expect(pool.instances.find((i) => i.id === attempts[1]!.instance)!.state).toBe('available');
    });

    it('runs a plan with coaching (a BullMQ flow) to both results', async () => {
      const plan = await submit({ coaching: true });
      const planView = await finished(plan.id);
      expect(planView.status).toBe('completed');
      const coachingId = (planView.coaching as { jobId: string }).jobId;
      const coaching = await finished(coachingId);
      expect(coaching.status).toBe('completed');
      expect(CoachingResultSchema.safeParse(coaching.result).success).toBe(true);
    });

    it('runs a batch to its NDJSON results', async () => {
      const items = Array.from({ length: 5 }, (_, i) => ({ customId: `c-${i}`, description: `Day ${i}` }));
      const response = await api.request('POST', '/v1/batches', { items });
      expect(response.status).toBe(202);
      const batch = (await response.json()) as { id: string };
      const deadline = Date.now() + 15_000;
      for (;;) {
        const view = (await (await api.request('GET', `/v1/batches/${batch.id}`)).json()) as {
          status: string;
        };
        if (view.status === 'completed') break;
        if (Date.now() > deadline) throw new Error(`batch still ${view.status}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const text = await (await api.request('GET', `/v1/batches/${batch.id}/results`)).text();
      const lines = text
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { customId: string; status: string; result: unknown });
      expect(lines.map((l) => [l.customId, l.status])).toEqual(items.map((i) => [i.customId, 'completed']));
      for (const line of lines) expect(PlanResultSchema.safeParse(line.result).success).toBe(true);
    });

    it('cancels a job that waits for capacity', async () => {
      // The only instance of "big" answers 429 for a minute: the job waits for it, and is cancelled.
      sim.setFaults({ model: 'big', kind: 'rate_limit', count: 1, retryAfterMs: 60_000 });
      const waiting = await submit({ model: 'big' });
      const deadline = Date.now() + 10_000;
      let view = waiting;
      while (!(view.attempts as Array<{ outcome: string }>).some((a) => a.outcome === 'rate_limited')) {
        if (Date.now() > deadline) throw new Error(`job never waited: ${JSON.stringify(view)}`);
        await new Promise((r) => setTimeout(r, 50));
        view = (await (await api.request('GET', `/v1/jobs/${waiting.id}`)).json()) as View;
      }
      const cancel = await api.request('DELETE', `/v1/jobs/${waiting.id}`);
      expect([200, 202]).toContain(cancel.status);
      expect((await finished(waiting.id)).status).toBe('cancelled');
    });
  },
);
