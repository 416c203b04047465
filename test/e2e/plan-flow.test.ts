import { PlanResultSchema } from '@spillway/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type Stack, startStack } from '../support/stack.js';

describe('a plan job end to end (HTTP → BullMQ → worker → simulated provider → HTTP)', () => {
  let stack: Stack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  it('accepts a plan with 202, runs it, and serves the validated result', async () => {
    stack = await startStack();
    const response = await stack.request('POST', '/v1/plans', {
      description: 'Write the quarterly report, gym at lunch, call the bank, review two pull requests',
      date: '2026-11-23',
      metadata: { ticket: 'T-1' },
    });
    expect(response.status).toBe(202);
    const accepted = (await response.json()) as { id: string; status: string; kind: string };
    expect(response.headers.get('location')).toBe(`/v1/jobs/${accepted.id}`);
    expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(accepted).toMatchObject({ kind: 'plan', attempts: [] });
    expect(['queued', 'running']).toContain(accepted.status);

    const done = await stack.waitForJob(accepted.id);
    expect(done).toMatchObject({
      id: accepted.id,
      kind: 'plan',
      status: 'completed',
      metadata: { ticket: 'T-1' },
    });
    expect(PlanResultSchema.safeParse(done.result).success).toBe(true);
    expect(done.attempts).toEqual([
      expect.objectContaining({ instance: 'sim-a/sim-small', model: 'sim-small', outcome: 'ok' }),
    ]);
    expect(Date.parse(String(done.finishedAt))).toBeGreaterThanOrEqual(Date.parse(String(done.createdAt)));
    expect(stack.sim.stats()['sim-small']?.accepted).toBe(1);
  });

  it('names the bad field of an invalid request in problem+json and enqueues nothing', async () => {
    stack = await startStack();
    const response = await stack.request('POST', '/v1/plans', { description: '', date: 'tomorrow' });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await response.json()) as { code: string; errors: Array<{ field: string }> };
    expect(problem.code).toBe('validation_failed');
    expect(problem.errors.map((e) => e.field).sort()).toEqual(['date', 'description']);
    expect(stack.sim.stats()['sim-small']?.accepted ?? 0).toBe(0);
  });

  it('refuses requests without a valid API key and hides other tenants behind 404', async () => {
    stack = await startStack();
    const anonymous = await fetch(`${stack.url}/v1/jobs/job_x`, {});
    expect(anonymous.status).toBe(401);
    const missing = await stack.request('GET', '/v1/jobs/job_doesnotexist0');
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { code: string }).code).toBe('not_found');
  });

  it('answers health and readiness', async () => {
    stack = await startStack();
    expect((await fetch(`${stack.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${stack.url}/readyz`);
    expect(await ready.json()).toEqual({ status: 'ready', providersVersion: 'fixed' });
  });
});
