import type { Instance } from '@spillway/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type Stack, type StackOptions, startStack } from '../support/stack.js';
import { finished, submit, type View } from './helpers.js';

/**
 * `small` writes the plans; `big` is the upgrade. `wide` has far more headroom than either, so a
 * coaching job that ignored its policy would be served there.
 */
function models(defaults?: unknown): StackOptions {
  return {
    models: {
      small: { dialect: 'groq', rpm: 100 },
      big: { dialect: 'groq', rpm: 100 },
      wide: { dialect: 'groq', rpm: 10_000 },
    },
    providers: {
      providers: [
        {
          id: 'p1',
          type: 'simulated',
          baseUrl: '{{sim}}',
          models: { small: { rpm: 100 }, big: { rpm: 100 }, wide: { rpm: 10_000 } },
        },
      ],
      ...(defaults ? { defaults } : {}),
    },
  };
}

const served = (view: View) => view.attempts.map((a) => [a.model, a.outcome]);

describe('the coaching model policy', () => {
  let stack: Stack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  async function planThenCoaching(body: Record<string, unknown>): Promise<{ plan: View; coaching: View }> {
    const accepted = await submit(stack!, '/v1/plans', {
      description: 'Write the report, call the bank',
      ...body,
    });
    const coaching = await finished(stack!, accepted.coaching!.jobId);
    return { plan: await finished(stack!, accepted.id), coaching };
  }

  it('same: coaching starts on the model that wrote the plan, not the one with the most headroom', async () => {
    stack = await startStack(models());
    const { plan, coaching } = await planThenCoaching({ model: 'small', coaching: { policy: 'same' } });
    expect(served(plan)).toEqual([['small', 'ok']]);
    expect(served(coaching)).toEqual([['small', 'ok']]);
  });

  it('same: a rate limit on the plan’s model falls back like any job', async () => {
    stack = await startStack(models());
    const planJob = await submit(stack, '/v1/plans', { description: 'Write the report', model: 'small' });
    expect((await finished(stack, planJob.id)).status).toBe('completed');
    stack.sim.setFaults([{ model: 'small', kind: 'rate_limit', count: 1, retryAfterMs: 30_000 }]);
    const accepted = await submit(stack, '/v1/coaching', {
      planJobId: planJob.id,
      coaching: { policy: 'same' },
    });
    const coaching = await finished(stack, accepted.id);
    expect(coaching.status).toBe('completed');
    expect(coaching.attempts[0]).toMatchObject({ model: 'small', outcome: 'rate_limited' });
    expect(coaching.attempts[1]).toMatchObject({ outcome: 'ok' });
    expect(coaching.attempts[1]!.model).not.toBe('small');
  });

  it('upgrade: the upgrade model serves coaching when the pool has headroom for it', async () => {
    stack = await startStack(models());
    const { plan, coaching } = await planThenCoaching({
      model: 'small',
      coaching: { policy: 'upgrade', model: 'big' },
    });
    expect(served(plan)).toEqual([['small', 'ok']]);
    expect(served(coaching)).toEqual([['big', 'ok']]);
    expect(coaching.attempts[0]!.note).toMatch(/^upgrade to big/);
  });

  it('upgrade: with the upgrade model saturated, every coaching job runs on the plan’s model at once', async () => {
    stack = await startStack(models());
    const big = stack.providers.instances.find((i) => i.model === 'big') as Instance;
    await stack.worker.pool.markLimited(big, {
      scope: 'instance',
      window: 'minute',
      retryAfterMs: 60_000,
      reason: 'test: saturated',
    });
    const accepted = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        submit(stack!, '/v1/plans', {
          description: `Write report ${i}, call the bank`,
          model: 'small',
          coaching: { policy: 'upgrade', model: 'big' },
        }),
      ),
    );
    // Nobody waited out the upgrade's 60 s limit: each was served by the plan's model, saying why.
    const coachings = await Promise.all(accepted.map((a) => finished(stack!, a.coaching!.jobId)));
    for (const coaching of coachings) {
      expect(coaching.status).toBe('completed');
      expect(served(coaching)).toEqual([['small', 'ok']]);
      expect(coaching.attempts[0]!.note).toBe('upgrade to big skipped: no headroom for it now');
    }
    expect(stack.sim.stats().big?.accepted ?? 0).toBe(0);
  });

  it('upgrade: a rate limit on the upgrade model falls back to the plan’s model at once', async () => {
    stack = await startStack(models());
    stack.sim.setFaults([{ model: 'big', kind: 'rate_limit', count: 1, retryAfterMs: 30_000 }]);
    // Waiting out big's 30 s would have served it on big again; it went to small next.
    const { coaching } = await planThenCoaching({
      model: 'small',
      coaching: { policy: 'upgrade', model: 'big' },
    });
    expect(served(coaching)).toEqual([
      ['big', 'rate_limited'],
      ['small', 'ok'],
    ]);
    expect(coaching.attempts[0]!.note).toMatch(/^upgrade to big.*rate limited.*fell back$/);
  });

  it('takes the default policy from the providers file, which a request may override', async () => {
    stack = await startStack(models({ coaching: { policy: 'upgrade', model: 'big' } }));
    const byDefault = await planThenCoaching({ model: 'small', coaching: true });
    expect(served(byDefault.coaching)).toEqual([['big', 'ok']]);
    const upgradeWithoutModel = await planThenCoaching({ model: 'small', coaching: { policy: 'upgrade' } });
    expect(served(upgradeWithoutModel.coaching)).toEqual([['big', 'ok']]);
    const same = await planThenCoaching({ model: 'small', coaching: { policy: 'same' } });
    expect(served(same.coaching)).toEqual([['small', 'ok']]);
    // POST /v1/coaching without a policy uses the default too.
    const inline = await submit(stack, '/v1/coaching', { plan: byDefault.plan.result });
    expect(served(await finished(stack, inline.id))).toEqual([['big', 'ok']]);
  });
});
