import { createRedis, Pool } from '@spillway/core';
import { afterEach, describe, expect, it } from 'vitest';
import { jobsQueue } from '../support/enqueue.js';
import { redisUrl } from '../support/redis.js';
import { type Stack, startStack } from '../support/stack.js';

/** How each kind of provider answer moves a job, through the simulator over real HTTP. */
describe('provider outcomes', () => {
  let stack: Stack | undefined;
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
    await stack?.close();
    stack = undefined;
  });

  const twoCredentials = {
    models: { m: { dialect: 'groq' as const } },
    providers: {
      providers: [
        { id: 'p1', type: 'simulated', baseUrl: '{{sim}}', models: ['m'] },
        { id: 'p2', type: 'simulated', baseUrl: '{{sim}}', models: ['m'] },
      ],
    },
  };

  async function submit(s: Stack, body: Record<string, unknown> = {}) {
    const response = await s.request('POST', '/v1/plans', { description: 'Email, write, gym', ...body });
    expect(response.status).toBe(202);
    return ((await response.json()) as { id: string }).id;
  }

  async function attemptsMade(s: Stack, id: string): Promise<number> {
    const queue = jobsQueue(s.prefix);
    cleanup.push(() => queue.close());
    return (await queue.getJob(id))!.attemptsMade;
  }

  it('a rate-limited answer moves the job to the next instance at once, spending no retry', async () => {
    stack = await startStack(twoCredentials);
    stack.sim.setFaults([{ kind: 'rate_limit', count: 1, retryAfterMs: 30_000 }]);
    const id = await submit(stack);
    const view = await stack.waitForJob(id);
    expect(view.status).toBe('completed');
    const attempts = view.attempts as Array<{ instance: string; outcome: string; retryAfterMs?: number }>;
    expect(attempts.map((a) => a.outcome)).toEqual(['rate_limited', 'ok']);
    expect(attempts[0]!.instance).not.toBe(attempts[1]!.instance);
    expect(attempts[0]!.retryAfterMs).toBeGreaterThanOrEqual(29_000);
    expect(await attemptsMade(stack, id)).toBe(1);
    const pool = (await (await stack.request('GET', '/v1/pool')).json()) as {
      instances: Array<{ id: string; state: string; limitedUntil: string | null }>;
    };
    const limited = pool.instances.find((i) => i.id === attempts[0]!.instance)!;
    expect(limited.state).toBe('limited');
    expect(Date.parse(limited.limitedUntil!) - Date.now()).toBeGreaterThan(25_000);
  });

  it('a 5xx is retried by BullMQ with backoff and then succeeds', async () => {
    stack = await startStack(twoCredentials);
    stack.sim.setFaults([{ kind: 'server_error', status: 503, count: 1 }]);
    const id = await submit(stack);
    const view = await stack.waitForJob(id, 20_000);
    expect(view.status).toBe('completed');
    expect((view.attempts as Array<{ outcome: string }>).map((a) => a.outcome)).toEqual(['error', 'ok']);
    expect(await attemptsMade(stack, id)).toBe(2);
  });

  it('a request the provider rejects (4xx) fails fast with the reason', async () => {
    stack = await startStack({
      models: { m: { dialect: 'openai' } },
      providers: { providers: [{ id: 'p1', type: 'simulated', baseUrl: '{{sim}}', models: ['not-served'] }] },
    });
    const id = await submit(stack);
    const view = await stack.waitForJob(id);
    expect(view.status).toBe('failed');
    expect(view.error).toMatchObject({ code: 'provider_rejected' });
    expect(String((view.error as { message: string }).message)).toContain('404');
    expect(await attemptsMade(stack, id)).toBe(1);
  });

  it('request too large goes to a model with a larger context window, without a cooldown', async () => {
    stack = await startStack({
      models: {
        small: { dialect: 'openai', contextWindow: 60 },
        large: { dialect: 'openai', contextWindow: 100_000 },
      },
      providers: {
        providers: [
          {
            id: 'p1',
            type: 'simulated',
            baseUrl: '{{sim}}',
            models: { small: { contextWindow: 60 }, large: { contextWindow: 100_000 } },
          },
        ],
      },
    });
    const id = await submit(stack, {
      model: 'small',
      fallback: 'any',
      description: 'A long day. '.repeat(40),
    });
    const view = await stack.waitForJob(id);
    expect(view.status).toBe('completed');
    const attempts = view.attempts as Array<{ model: string; outcome: string }>;
    expect(attempts.map((a) => [a.model, a.outcome])).toEqual([
      ['small', 'error'],
      ['large', 'ok'],
    ]);
    const pool = (await (await stack.request('GET', '/v1/pool')).json()) as {
      instances: Array<{ id: string; state: string }>;
    };
    expect(pool.instances.find((i) => i.id === 'p1/small')!.state).toBe('available');
  });

  it('billing / zero quota disables the instance, reports it, and the job completes elsewhere', async () => {
    stack = await startStack(twoCredentials);
    stack.sim.setFaults([{ kind: 'insufficient_quota', count: 1 }]);
    const id = await submit(stack);
    const view = await stack.waitForJob(id);
    expect(view.status).toBe('completed');
    const first = (view.attempts as Array<{ instance: string; outcome: string }>)[0]!;
    expect(first.outcome).toBe('error');
    const pool = (await (await stack.request('GET', '/v1/pool')).json()) as {
      instances: Array<{ id: string; state: string; reason: string }>;
    };
    const disabled = pool.instances.find((i) => i.id === first.instance)!;
    expect(disabled.state).toBe('disabled');
    expect(disabled.reason).toMatch(/quota/);
  });

  it('past its deadline a waiting job fails with capacity_exhausted and when capacity returns', async () => {
    stack = await startStack(twoCredentials);
    const redis = createRedis({ url: redisUrl(), cluster: false }, `${stack.prefix}:limits`);
    cleanup.push(async () => {
      await redis.quit();
    });
    const pool = new Pool({ redis, prefix: stack.prefix });
    for (const instance of stack.providers.instances) {
      await pool.markLimited(instance, {
        scope: 'instance',
        window: 'day',
        retryAfterMs: 3_600_000,
        reason: 'rpd',
      });
    }
    const id = await submit(stack, { deadlineSeconds: 60 });
    const view = await stack.waitForJob(id);
    expect(view.status).toBe('failed');
    const error = view.error as { code: string; details: { capacityReturnsAt: string } };
    expect(error.code).toBe('capacity_exhausted');
    expect(Date.parse(error.details.capacityReturnsAt) - Date.now()).toBeGreaterThan(3_500_000);
    expect(stack.sim.stats().m?.accepted ?? 0).toBe(0);
  });
});
