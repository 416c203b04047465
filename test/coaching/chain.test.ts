import { CoachingResultSchema, PlanResultSchema } from '@spillway/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type Stack, startStack, TEST_WEBHOOK_SECRET } from '../support/stack.js';
import { type Receiver, startReceiver, verifyWithLibrary } from '../webhooks/receiver.js';
import { finished, simulatorCalls, submit, type View } from './helpers.js';

/** Two models on one credential: the plan pinned to one, coaching sent to the other when a test needs it. */
const twoModels = {
  models: { 'm-plan': { dialect: 'groq' as const }, 'm-coach': { dialect: 'groq' as const } },
  providers: {
    providers: [{ id: 'p1', type: 'simulated', baseUrl: '{{sim}}', models: ['m-plan', 'm-coach'] }],
  },
};

describe('a plan with coaching chained behind it (POST /v1/plans with coaching)', () => {
  let stack: Stack | undefined;
  let receiver: Receiver | undefined;
  afterEach(async () => {
    await stack?.close();
    await receiver?.close();
    stack = undefined;
    receiver = undefined;
  });

  it('runs the plan, then coaching on its output, and links the two views', async () => {
    stack = await startStack();
    const accepted = await submit(stack, '/v1/plans', {
      description: 'Deep work 9-12, lunch with Sam, gym, answer email',
      coaching: true,
    });
    expect(accepted.coaching).toEqual({ jobId: expect.stringMatching(/^job_/), status: expect.any(String) });
    const coachingId = accepted.coaching!.jobId;

    const coaching = await finished(stack, coachingId);
    expect(coaching).toMatchObject({
      id: coachingId,
      kind: 'coaching',
      status: 'completed',
      planJobId: accepted.id,
    });
    expect(CoachingResultSchema.safeParse(coaching.result).success).toBe(true);
    const plan = await finished(stack, accepted.id);
    expect(plan).toMatchObject({
      kind: 'plan',
      status: 'completed',
      coaching: { jobId: coachingId, status: 'completed' },
    });
    expect(PlanResultSchema.safeParse(plan.result).success).toBe(true);
    // Coaching worked on the plan's output: the simulator coaches on the items it finds in the prompt.
    const tasks = (plan.result as { items: Array<{ task: string }> }).items.map((i) => i.task);
    expect(tasks).toEqual(['Deep work 9-12', 'Lunch with Sam', 'Gym', 'Answer email']);
    const improvements = (coaching.result as { improvements: string[] }).improvements.join(' ');
    expect(improvements).toContain(`"${tasks.at(-1)}"`);
    expect(Date.parse(coaching.startedAt!)).toBeGreaterThanOrEqual(Date.parse(plan.finishedAt!));
    expect(stack.sim.stats()['sim-small']?.accepted).toBe(2);
  });

  it('does not run coaching when the provider rejects the plan, and says why on the coaching view', async () => {
    // The provider is configured with a model the simulator does not serve: it answers 404.
    stack = await startStack({
      models: { m: { dialect: 'openai' } },
      providers: {
        providers: [{ id: 'p1', type: 'simulated', baseUrl: '{{sim}}', models: ['unknown-model'] }],
      },
    });
    const accepted = await submit(stack, '/v1/plans', { description: 'Email, write, gym', coaching: true });
    const plan = await finished(stack, accepted.id);
    expect(plan.status).toBe('failed');
    expect(plan.error?.code).toBe('provider_rejected');

    const coaching = await finished(stack, plan.coaching!.jobId);
    expect(coaching).toMatchObject({
      kind: 'coaching',
      status: 'failed',
      planJobId: accepted.id,
      attempts: [],
    });
    expect(coaching.error?.code).toBe('plan_failed');
    expect(coaching.error?.message).toContain(accepted.id);
    expect(coaching.error?.message).toContain('provider_rejected');
    expect(coaching.error?.message).toContain('404');
    expect(coaching.error?.details).toMatchObject({ planError: { code: 'provider_rejected' } });
    expect((await finished(stack, accepted.id)).coaching).toEqual({
      jobId: coaching.id,
      status: 'failed',
    });
  });

  it('does not run coaching when the plan answer fails validation twice', async () => {
    stack = await startStack();
    stack.sim.setFaults([{ kind: 'invalid_output', count: 2 }]);
    const accepted = await submit(stack, '/v1/plans', { description: 'Email, write, gym', coaching: true });
    const coaching = await finished(stack, accepted.coaching!.jobId);
    expect(coaching.status).toBe('failed');
    expect(coaching.error?.code).toBe('plan_failed');
    expect(coaching.error?.message).toContain('invalid_output');
    expect((await finished(stack, accepted.id)).error?.code).toBe('invalid_output');
    // The plan's two calls, and nothing for coaching.
    expect(simulatorCalls(stack)).toBe(2);
    expect(stack.sim.stats()['sim-small']).toMatchObject({ accepted: 0, faults: 2 });
  });

  it('shows a completed plan and its failed coaching each as they ended', async () => {
    stack = await startStack(twoModels);
    // Every coaching answer is invalid; the plan's model answers well.
    stack.sim.setFaults([{ model: 'm-coach', kind: 'invalid_output' }]);
    const accepted = await submit(stack, '/v1/plans', {
      description: 'Write the report, call the bank, gym',
      model: 'm-plan',
      coaching: { policy: 'same', model: 'm-coach' },
    });
    const coaching = await finished(stack, accepted.coaching!.jobId);
    expect(coaching.status).toBe('failed');
    expect(coaching.error?.code).toBe('invalid_output');
    expect(String(coaching.error?.details?.raw)).not.toBe('');
    expect(coaching.attempts.map((a) => [a.model, a.outcome])).toEqual([
      ['m-coach', 'error'],
      ['m-coach', 'error'],
    ]);
    const plan = await finished(stack, accepted.id);
    expect(plan).toMatchObject({ status: 'completed', coaching: { jobId: coaching.id, status: 'failed' } });
    expect(plan.attempts.map((a) => a.model)).toEqual(['m-plan']);
  });

  it('sends job.completed for the plan and for its coaching to the callbackUrl', async () => {
    stack = await startStack({ webhookAllowPrivate: true });
    receiver = await startReceiver();
    const accepted = await submit(stack, '/v1/plans', {
      description: 'Deep work, lunch, gym',
      coaching: true,
      callbackUrl: receiver.url,
    });
    const events = await eventsFor(receiver, 2);
    expect(events.map((e) => [e.type, e.data.id, e.data.kind, e.data.status]).sort()).toEqual(
      [
        ['job.completed', accepted.id, 'plan', 'completed'],
        ['job.completed', accepted.coaching!.jobId, 'coaching', 'completed'],
      ].sort(),
    );
    const coachingEvent = events.find((e) => e.data.kind === 'coaching')!;
    expect(CoachingResultSchema.safeParse(coachingEvent.data.result).success).toBe(true);
    expect(coachingEvent.data.planJobId).toBe(accepted.id);
  });

  it('sends job.failed for the plan and for the coaching job that could not run after it', async () => {
    stack = await startStack({ webhookAllowPrivate: true });
    receiver = await startReceiver();
    stack.sim.setFaults([{ kind: 'invalid_output', count: 2 }]);
    const accepted = await submit(stack, '/v1/plans', {
      description: 'Deep work, lunch, gym',
      coaching: true,
      callbackUrl: receiver.url,
    });
    const events = await eventsFor(receiver, 2);
    const byKind = Object.fromEntries(events.map((e) => [e.data.kind, e]));
    expect(byKind.plan).toMatchObject({ type: 'job.failed', data: { id: accepted.id, status: 'failed' } });
    expect(byKind.coaching).toMatchObject({
      type: 'job.failed',
      data: { id: accepted.coaching!.jobId, status: 'failed', error: { code: 'plan_failed' } },
    });
    expect(byKind.coaching!.data.error.message).toContain('invalid_output');
  });
});

interface Event {
  type: string;
  data: View & { error: { code: string; message: string } };
}

async function eventsFor(receiver: Receiver, count: number): Promise<Event[]> {
  const received = await receiver.waitFor(count, 15_000);
  return received.map((r) => verifyWithLibrary(TEST_WEBHOOK_SECRET, r) as Event);
}
