import { createAdapters, createLogger, type InstanceState } from '@spillway/core';
import { startWorker } from '@spillway/worker';
import { afterEach, describe, expect, it } from 'vitest';
import { redisUrl } from '../support/redis.js';
import { type Stack, startStack } from '../support/stack.js';

type View = Record<string, unknown> & { id: string; status: string };

/**
 * A provider that serves a few calls at once and refuses one more (Cerebras' queue_exceeded, a
 * local server with a few slots): the simulator with `maxConcurrent`, the pool told the same.
 */
describe('maxConcurrent end to end: the simulator serving N at once, real workers, real Redis', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  async function cappedStack(cap: number, options: { latencyMs: number; slots?: { recheckMs: number } }) {
    const stack = await startStack({
      models: { m: { dialect: 'cerebras', maxConcurrent: cap } },
      providers: {
        providers: [
          { id: 'sim', type: 'simulated', baseUrl: '{{sim}}', models: { m: { maxConcurrent: cap } } },
        ],
      },
      concurrency: 8,
      latencyMs: options.latencyMs,
      slots: options.slots,
    });
    cleanup.push(() => stack.close());
    return stack;
  }

  async function submit(stack: Stack, description: string): Promise<string> {
    const response = await stack.request('POST', '/v1/plans', { description });
    expect(response.status).toBe(202);
    return ((await response.json()) as { id: string }).id;
  }

  const view = async (stack: Stack, id: string) =>
    (await (await stack.request('GET', `/v1/jobs/${id}`)).json()) as View;

  async function until<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 10_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await read();
      if (ok(value)) return value;
      if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  it('two workers of 8 slots each, an instance of 2: every job completes, never more than 2 in flight, no 429', async () => {
    const stack = await cappedStack(2, { latencyMs: 60 });
    // A second worker on the same Redis and prefix: the cap holds across workers, not per worker.
    const second = await startWorker({
      redis: { url: redisUrl(), cluster: false },
      prefix: stack.prefix,
      concurrency: 8,
      instances: stack.providers.instances,
      adapterFor: createAdapters({ timeoutMs: 5000 }),
      logger: createLogger({ level: 'silent' }),
    });
    cleanup.push(() => second.close());

    const ids = await Promise.all(
      Array.from({ length: 16 }, (_, i) => submit(stack, `Day ${i}: write, gym`)),
    );
    const done = await Promise.all(ids.map((id) => stack.waitForJob(id, 30_000)));
    expect(done.map((v) => v.status)).toEqual(ids.map(() => 'completed'));
    // No attempt was refused: the jobs over the cap waited for a slot instead of calling.
    for (const v of done) {
      expect((v.attempts as Array<{ outcome: string }>).map((a) => a.outcome)).toEqual(['ok']);
    }
    const stats = stack.sim.stats().m!;
    expect(stats.accepted).toBe(16);
    expect(stats.peakInFlight).toBeLessThanOrEqual(2);
    expect(stats.queueExceeded).toBe(0);
    expect(stats.rateLimited).toBe(0);
    // Every slot came back.
    const pool = (await (await stack.request('GET', '/v1/pool')).json()) as { instances: InstanceState[] };
    expect(pool.instances[0]!.inFlight).toEqual({ calls: 0, maxConcurrent: 2 });
  }, 60_000);

  it("a call's end releases the job waiting for its slot at once, not when the job would look again", async () => {
    // Looking again takes a minute here: only the slot's return can bring the second job back in time.
    const stack = await cappedStack(1, { latencyMs: 1500, slots: { recheckMs: 60_000 } });
    const first = await submit(stack, 'First: deep work');
    await until(
      'the first call in flight',
      async () => (await stack.worker.pool.snapshot(stack.providers.instances))[0]!.inFlight,
      (f) => f?.calls === 1,
    );
    const second = await submit(stack, 'Second: email');
    const parked = await until(
      'the second job waiting for the slot',
      () => view(stack, second),
      (v) => v.status === 'waiting_for_capacity',
    );
    expect(Date.parse(String(parked.waitingUntil))).toBeGreaterThan(Date.now() + 30_000);
    expect((await stack.waitForJob(first)).status).toBe('completed');
    const done = await stack.waitForJob(second, 15_000);
    expect(done.status).toBe('completed');
    expect(stack.sim.stats().m).toMatchObject({ accepted: 2, peakInFlight: 1, queueExceeded: 0 });
  }, 60_000);
});
