import { CoachingResultSchema, closeRedis, type Instance } from '@spillway/core';
// ajv (2020-12 dialect) comes with fastify; it validates samples against the published document.
import Ajv2020Module from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { afterEach, describe, expect, it } from 'vitest';
import { testRedis } from '../support/redis.js';
import { type Stack, startStack } from '../support/stack.js';
import { finished, simulatorCalls, submit } from './helpers.js';

const Ajv2020 = Ajv2020Module.default;
const addFormats = addFormatsModule.default;

const plan = {
  summary: 'Report in the morning, bank after lunch.',
  items: [
    { start: '09:00', end: '11:00', task: 'Write the report', priority: 'high' },
    { start: '13:00', end: '13:30', task: 'Call the bank', priority: 'medium' },
  ],
};

/** A slow model for plans that must still be running when coaching asks for them. */
const withSlowModel = {
  models: {
    fast: { dialect: 'groq' as const },
    slow: { dialect: 'groq' as const, latencyMs: 400 },
  },
  providers: { providers: [{ id: 'p1', type: 'simulated', baseUrl: '{{sim}}', models: ['fast', 'slow'] }] },
};

describe('POST /v1/coaching', () => {
  let stack: Stack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  async function problem(body: unknown, headers: Record<string, string> = {}) {
    const response = await stack!.request('POST', '/v1/coaching', body, headers);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    const answer = (await response.json()) as {
      code: string;
      detail: string;
      errors?: Array<{ field: string; message: string }>;
    };
    return { status: response.status, ...answer, fields: answer.errors?.map((e) => e.field) ?? [] };
  }

  it('coaches an inline plan: 202 with Location and Retry-After, then the coaching result', async () => {
    stack = await startStack();
    const response = await stack.request('POST', '/v1/coaching', {
      plan,
      description: 'Report, bank',
      metadata: { ticket: 'C-1' },
    });
    expect(response.status).toBe(202);
    const accepted = (await response.json()) as { id: string; kind: string; status: string };
    expect(response.headers.get('location')).toBe(`/v1/jobs/${accepted.id}`);
    expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(accepted).toMatchObject({ kind: 'coaching', attempts: [] });
    expect(['queued', 'running']).toContain(accepted.status);

    const done = await finished(stack, accepted.id);
    expect(done).toMatchObject({ kind: 'coaching', status: 'completed', metadata: { ticket: 'C-1' } });
    expect(done.planJobId).toBeUndefined();
    expect(CoachingResultSchema.safeParse(done.result).success).toBe(true);
    expect(JSON.stringify(done.result)).toContain('Write the report');
  });

  it('coaches the result of one of the tenant’s plan jobs, on the model that wrote it', async () => {
    stack = await startStack(withSlowModel);
    const planJob = await submit(stack, '/v1/plans', {
      description: 'Write the report, call the bank',
      model: 'fast',
    });
    expect((await finished(stack, planJob.id)).status).toBe('completed');
    const accepted = await submit(stack, '/v1/coaching', { planJobId: planJob.id });
    expect(accepted.planJobId).toBe(planJob.id);
    const done = await finished(stack, accepted.id);
    expect(done).toMatchObject({ status: 'completed', planJobId: planJob.id });
    expect(done.attempts.map((a) => a.model)).toEqual(['fast']);
    expect(JSON.stringify(done.result)).toContain('Write the report');
  });

  it('answers 404 for another tenant’s plan job and for one that does not exist, enqueuing nothing', async () => {
    stack = await startStack({ tenants: [{ tenant: 'globex', key: 'sk-globex-0123456789abcdef' }] });
    const globex = { authorization: 'Bearer sk-globex-0123456789abcdef', 'content-type': 'application/json' };
    const theirs = await fetch(`${stack.url}/v1/plans`, {
      method: 'POST',
      headers: globex,
      body: JSON.stringify({ description: 'Their day' }),
    });
    expect(theirs.status).toBe(202);
    const theirId = ((await theirs.json()) as { id: string }).id;
    const theirView = await fetch(`${stack.url}/v1/jobs/${theirId}?wait=10`, { headers: globex });
    expect(((await theirView.json()) as { status: string }).status).toBe('completed');
    const before = simulatorCalls(stack);

    const foreign = await problem({ planJobId: theirId });
    expect(foreign).toMatchObject({ status: 404, code: 'not_found' });
    const missing = await problem({ planJobId: 'job_doesnotexist0' });
    expect(missing).toMatchObject({ status: 404, code: 'not_found' });
    const malformed = await problem({ planJobId: 'not a job id' });
    expect(malformed).toMatchObject({ status: 404, code: 'not_found' });
    await new Promise((r) => setTimeout(r, 100));
    expect(simulatorCalls(stack)).toBe(before);
  });

  it('answers 400 naming planJobId when the job is not a plan job', async () => {
    stack = await startStack();
    const coaching = await submit(stack, '/v1/coaching', { plan });
    const answer = await problem({ planJobId: coaching.id });
    expect(answer).toMatchObject({ status: 400, code: 'validation_failed', fields: ['planJobId'] });
    expect(answer.errors![0]!.message).toContain('coaching job, not a plan job');
  });

  it('names the field at fault in a bad request', async () => {
    stack = await startStack();
    expect(await problem({})).toMatchObject({ status: 400, fields: ['planJobId'] });
    expect(await problem({ planJobId: 'job_abcdefgh1', plan })).toMatchObject({
      status: 400,
      fields: ['plan'],
    });
    expect(await problem({ planJobId: 'job_abcdefgh1', description: 'x' })).toMatchObject({
      status: 400,
      fields: ['description'],
    });
    const backwards = { ...plan, items: [{ ...plan.items[0]!, start: '11:00', end: '09:00' }] };
    expect(await problem({ plan: backwards })).toMatchObject({ status: 400, fields: ['plan.items[0].end'] });
    const pastMidnight = { ...plan, items: [{ ...plan.items[0]!, end: '24:30' }] };
    expect(await problem({ plan: pastMidnight })).toMatchObject({
      status: 400,
      fields: ['plan.items[0].end'],
    });
    expect(await problem({ plan, model: 'no-such-model' })).toMatchObject({
      status: 400,
      code: 'unknown_model',
      fields: ['model'],
    });
    expect(await problem({ plan, coaching: { policy: 'upgrade', model: 'no-such-model' } })).toMatchObject({
      status: 400,
      code: 'unknown_model',
      fields: ['coaching.model'],
    });
    expect(await problem({ plan, coaching: { policy: 'upgrade' } })).toMatchObject({
      status: 400,
      fields: ['coaching.model'],
    });
    // Loopback callbacks are refused unless WEBHOOK_ALLOW_PRIVATE is set, as for plans.
    expect(await problem({ plan, callbackUrl: 'http://127.0.0.1:9/hook' })).toMatchObject({
      status: 400,
      fields: ['callbackUrl'],
    });
    expect(await problem(['x'])).toMatchObject({ status: 400, code: 'validation_failed' });
    expect(simulatorCalls(stack)).toBe(0);
  });

  it('coaches an overlapping plan given inline (pointing that out is the coach’s job)', async () => {
    stack = await startStack();
    const overlapping = {
      ...plan,
      items: [plan.items[0]!, { ...plan.items[1]!, start: '10:00', end: '10:30' }],
    };
    const done = await finished(stack, (await submit(stack, '/v1/coaching', { plan: overlapping })).id);
    expect(done.status).toBe('completed');
  });

  it('replays the first answer for the same Idempotency-Key and body, and refuses another body with 422', async () => {
    stack = await startStack();
    const headers = { 'idempotency-key': 'coach-once-1' };
    const first = await stack.request('POST', '/v1/coaching', { plan }, headers);
    expect(first.status).toBe(202);
    const firstView = (await first.json()) as { id: string };
    const again = await stack.request('POST', '/v1/coaching', { plan }, headers);
    expect(again.status).toBe(202);
    expect(((await again.json()) as { id: string }).id).toBe(firstView.id);
    expect(again.headers.get('location')).toBe(`/v1/jobs/${firstView.id}`);
    const other = await problem({ plan, description: 'something else' }, headers);
    expect(other).toMatchObject({ status: 422, code: 'idempotency_key_reused' });
    await finished(stack, firstView.id);
    expect(stack.sim.stats()['sim-small']?.accepted).toBe(1);
  });

  it('waits for a plan job that is still running parked on the plan, without polling, and starts as the plan ends', async () => {
    stack = await startStack(withSlowModel);
    const planJob = await submit(stack, '/v1/plans', {
      description: 'Write the report, call the bank',
      model: 'slow',
    });
    const accepted = await submit(stack, '/v1/coaching', { planJobId: planJob.id });
    const done = await finished(stack, accepted.id);
    expect(done.status).toBe('completed');
    const planView = await finished(stack, planJob.id);
    expect(Date.parse(done.startedAt!)).toBeGreaterThanOrEqual(Date.parse(planView.finishedAt!));
    // Coached on the plan's own model, once it was there to read.
    expect(done.attempts.map((a) => a.model)).toEqual(['slow']);
    // Released by the plan's end, not found by a later check.
    expect(Date.parse(done.startedAt!) - Date.parse(planView.finishedAt!)).toBeLessThan(300);
    // It did wait (the plan was still running when it first looked), parked once: no polling.
    expect(await timesDelayed(stack, accepted.id)).toBe(1);
  });

  it('fails with plan_failed, naming the plan’s failure, when the plan it waits for fails', async () => {
    stack = await startStack(withSlowModel);
    stack.sim.setFaults([{ model: 'slow', kind: 'invalid_output', count: 2 }]);
    const planJob = await submit(stack, '/v1/plans', { description: 'Write the report', model: 'slow' });
    const accepted = await submit(stack, '/v1/coaching', { planJobId: planJob.id });
    const done = await finished(stack, accepted.id);
    expect(done.status).toBe('failed');
    expect(done.error?.code).toBe('plan_failed');
    expect(done.error?.message).toContain(planJob.id);
    expect(done.error?.message).toContain('invalid_output');
    expect(done.attempts).toEqual([]);
    expect(await timesDelayed(stack, accepted.id)).toBeGreaterThanOrEqual(1);
    expect(stack.sim.stats().slow).toMatchObject({ accepted: 0, faults: 2 });
  });

  it('stops waiting for an unfinished plan at its own deadline, with plan_not_ready', async () => {
    stack = await startStack(withSlowModel);
    // The plan's only model is limited for two minutes: the plan waits for capacity (out of the worker,
    // delayed), well past coaching's deadline.
    const slow = stack.providers.instances.find((i) => i.model === 'slow') as Instance;
    await stack.worker.pool.markLimited(slow, {
      scope: 'instance',
      window: 'minute',
      retryAfterMs: 120_000,
      reason: 'test: saturated',
    });
    const planJob = await submit(stack, '/v1/plans', { description: 'Write the report', model: 'slow' });
    const accepted = await submit(stack, '/v1/coaching', { planJobId: planJob.id, deadlineSeconds: 1 });
    // Ended by its own 1 s deadline, long before the plan's 120 s limit would have let it run.
    const done = await finished(stack, accepted.id, 10_000);
    expect(done.status).toBe('failed');
    expect(done.error?.code).toBe('plan_not_ready');
    expect(done.error?.message).toContain(planJob.id);
    const planView = (await (await stack.request('GET', `/v1/jobs/${planJob.id}`)).json()) as {
      status: string;
    };
    expect(planView.status).toBe('waiting_for_capacity');
  });

  it('publishes CoachingRequest in the OpenAPI document exactly as the route validates it', async () => {
    stack = await startStack();
    const doc = (await (await fetch(`${stack.url}/docs/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
      components: Record<string, unknown>;
    };
    expect(doc.paths['/v1/coaching']?.post).toBeDefined();
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addSchema({ $id: 'doc', components: doc.components }, 'doc');
    const validate = ajv.compile({ $ref: 'doc#/components/schemas/CoachingRequest' });
    const planJob = await submit(stack, '/v1/plans', { description: 'Write the report' });
    const samples: unknown[] = [
      { plan },
      { plan, description: 'Report, bank', coaching: { policy: 'same' }, deadlineSeconds: 60 },
      { planJobId: planJob.id, metadata: { ticket: 'C-2' }, model: 'sim-small', fallback: 'any' },
      {},
      { planJobId: '' },
      { plan: { summary: 'x', items: [] } },
      { plan, colour: 'blue' },
      { planJobId: planJob.id, description: 'not with a plan job' },
      { plan, deadlineSeconds: 0 },
    ];
    for (const sample of samples) {
      const response = await stack.request('POST', '/v1/coaching', sample);
      expect([202, 400], JSON.stringify(sample)).toContain(response.status);
      expect(validate(sample), `${JSON.stringify(sample)} answered ${response.status}`).toBe(
        response.status === 202,
      );
    }
  });
});

/** How many times BullMQ moved the job to delayed, read from the queue's event stream. */
async function timesDelayed(stack: Stack, jobId: string): Promise<number> {
  const redis = testRedis(stack.prefix, 'events');
  try {
    const entries = (await redis.xrange(`{${stack.prefix}}:jobs:events`, '-', '+')) as Array<
      [string, string[]]
    >;
    return entries.filter(([, fields]) => {
      const event = Object.fromEntries(
        fields.flatMap((value, index) => (index % 2 === 0 ? [[value, fields[index + 1]]] : [])),
      ) as Record<string, string>;
      return event.event === 'delayed' && event.jobId === jobId;
    }).length;
  } finally {
    await closeRedis(redis);
  }
}
