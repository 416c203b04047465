import { PlanResultSchema } from '@spillway/core';
import type { FaultKind } from '@spillway/simulator';
import { afterEach, describe, expect, it } from 'vitest';
import { jobsQueue } from '../support/enqueue.js';
import { type Stack, startStack } from '../support/stack.js';

/**
 * Provider faults that are not rate limits: a 5xx, a call that hangs (ended by the adapter's
 * timeout), a body cut off mid-JSON, a connection reset before any answer. Each is retried with
 * BullMQ's backoff (the API's 4 attempts); one that persists ends as `provider_unavailable` with
 * the last reason. None of them may touch the pool's limits.
 */
const FAULTS = ['server_error', 'hang', 'malformed_json', 'reset'] as const satisfies readonly FaultKind[];
/** What the attempt's note (and a final failure's message) says, per fault. */
const REASON: Record<(typeof FAULTS)[number], RegExp> = {
  server_error: /server_error: 50\d /,
  hang: /timeout: /,
  malformed_json: /network: .*JSON/,
  reset: /network: .*(Connection error|fetch failed)/,
};

interface Attempt {
  instance: string;
  outcome: string;
  note?: string;
}
interface PoolView {
  instances: Array<{ id: string; state: string; limitedUntil: string | null }>;
}

describe('provider faults', () => {
  let stack: Stack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  /** One model per fault, one instance each, so each job meets exactly its fault. */
  async function faultStack() {
    const models = Object.fromEntries(FAULTS.map((f) => [`m-${f}`, { dialect: 'openai' as const }]));
    stack = await startStack({
      models,
      providers: {
        providers: [{ id: 'sim', type: 'simulated', baseUrl: '{{sim}}', models: Object.keys(models) }],
      },
      // A hung call is ended by this timeout; the other faults answer at once.
      adapterTimeoutMs: 300,
    });
    return stack;
  }

  async function submit(s: Stack, model: string) {
    const response = await s.request('POST', '/v1/plans', { description: 'Email, write, gym', model });
    expect(response.status).toBe(202);
    return ((await response.json()) as { id: string }).id;
  }

  async function expectPoolUntouched(s: Stack) {
    const pool = (await (await s.request('GET', '/v1/pool')).json()) as PoolView;
    for (const instance of pool.instances) {
      expect(instance).toMatchObject({ state: 'available', limitedUntil: null });
    }
    for (const stats of Object.values(s.sim.stats())) expect(stats.rateLimited).toBe(0);
  }

  it('a fault that happens once is retried with backoff and the job completes', async () => {
    const s = await faultStack();
    s.sim.setFaults(FAULTS.map((kind) => ({ model: `m-${kind}`, kind, count: 1 })));
    const ids = await Promise.all(FAULTS.map((kind) => submit(s, `m-${kind}`)));
    const views = await Promise.all(ids.map((id) => s.waitForJob(id, 20_000)));
    const queue = jobsQueue(s.prefix);
    try {
      for (const [i, view] of views.entries()) {
        const kind = FAULTS[i]!;
        expect(view.status, kind).toBe('completed');
        expect(PlanResultSchema.safeParse(view.result).success).toBe(true);
        const attempts = view.attempts as Attempt[];
        expect(
          attempts.map((a) => a.outcome),
          kind,
        ).toEqual(['error', 'ok']);
        expect(attempts[0]!.note, kind).toMatch(REASON[kind]);
        // A second BullMQ attempt, after the backoff: a retry, not a re-route.
        const job = await queue.getJob(ids[i]!);
        expect(job!.attemptsMade, kind).toBe(2);
      }
    } finally {
      await queue.close();
    }
    await expectPoolUntouched(s);
  }, 30_000);

  it('a fault that persists fails the job after its attempts with provider_unavailable and the last reason, never as a rate limit', async () => {
    const s = await faultStack();
    s.sim.setFaults(FAULTS.map((kind) => ({ model: `m-${kind}`, kind })));
    const started = Date.now();
    const ids = await Promise.all(FAULTS.map((kind) => submit(s, `m-${kind}`)));
    const views = await Promise.all(ids.map((id) => s.waitForJob(id, 30_000)));
    for (const [i, view] of views.entries()) {
      const kind = FAULTS[i]!;
      expect(view.status, kind).toBe('failed');
      const error = view.error as { code: string; message: string };
      expect(error.code, kind).toBe('provider_unavailable');
      expect(error.message, kind).toContain(`sim/m-${kind}`);
      expect(error.message, kind).toMatch(REASON[kind]);
      const attempts = view.attempts as Attempt[];
      expect(
        attempts.map((a) => a.outcome),
        kind,
      ).toEqual(['error', 'error', 'error', 'error']);
    }
    // Exponential backoff from 2 s between the four attempts: 2 + 4 + 8 s at least.
    expect(Date.now() - started).toBeGreaterThanOrEqual(14_000);
    await expectPoolUntouched(s);
  }, 40_000);
});
