import type { JobData } from '@spillway/core';
import { describe, expect, it } from 'vitest';
import { chainedCoachingJobData, type JobRequest, planJobData } from '../../apps/api/src/job-data.js';
import { planJobs } from '../../apps/api/src/routes/plan-jobs.js';

const NOW = Date.parse('2026-03-02T09:00:00Z');

/** A batch item's request with every field a request may set. */
const fullRequest: JobRequest = {
  tenant: 'acme',
  now: NOW,
  deadlineSeconds: 600,
  model: 'llama-3.1-8b-instant',
  fallback: 'any',
  callbackUrl: 'https://hooks.example.com/spillway',
  metadata: { ticket: 'T-1' },
  priority: 'high',
  batch: { batchId: 'bat_1', customId: 'day-1' },
};

function chained(request: JobRequest) {
  const jobs = planJobs({
    queueName: 'jobs',
    request,
    plan: { description: 'Write the report' },
    coaching: { policy: 'upgrade', model: 'gpt-4.1' },
    opts: { jobId: 'job_plan' },
    newJobId: () => 'job_coaching',
  });
  if (jobs.kind !== 'flow') throw new Error('expected a coaching flow');
  return { coaching: jobs.flow.data as JobData, plan: jobs.flow.children![0]!.data as JobData };
}

describe('one builder for a job’s data', () => {
  it('a plan job carries exactly what its request says', () => {
    expect(planJobData(fullRequest, { description: 'Write the report' })).toEqual({
      kind: 'plan',
      tenant: 'acme',
      createdAt: NOW,
      deadlineAt: NOW + 600_000,
      model: 'llama-3.1-8b-instant',
      fallback: 'any',
      callbackUrl: 'https://hooks.example.com/spillway',
      metadata: { ticket: 'T-1' },
      priority: 'high',
      batchId: 'bat_1',
      customId: 'day-1',
      plan: { description: 'Write the report' },
    });
  });

  it('the chained coaching job takes over the request’s fields, not the plan’s own (its model, its plan)', () => {
    const { coaching, plan } = chained(fullRequest);
    expect(plan.coachingJobId).toBe('job_coaching');
    expect(coaching).toEqual({
      kind: 'coaching',
      tenant: 'acme',
      createdAt: NOW,
      deadlineAt: NOW + 600_000,
      fallback: 'any',
      callbackUrl: 'https://hooks.example.com/spillway',
      metadata: { ticket: 'T-1' },
      priority: 'high',
      batchId: 'bat_1',
      customId: 'day-1',
      coaching: { planJobId: 'job_plan', policy: { policy: 'upgrade', model: 'gpt-4.1' } },
    });
  });

  it('a field the request carries that the builder does not name reaches neither job', () => {
    // A route passes its parsed body as it is; a new body field must be named to reach a job.
    const request = { ...fullRequest, description: 'in the body', shiny: 'new' } as JobRequest;
    const { coaching, plan } = chained(request);
    expect(plan).not.toHaveProperty('shiny');
    expect(coaching).not.toHaveProperty('shiny');
    expect(coaching).not.toHaveProperty('description');
  });

  it('a new field of a plan job’s data does not leak into its chained coaching job', () => {
    const plan = { ...planJobData(fullRequest, { description: 'x' }), shiny: 'new' } as JobData;
    const coaching = chainedCoachingJobData(plan, 'job_plan', { policy: 'same' });
    expect(coaching).not.toHaveProperty('shiny');
    expect(coaching).not.toHaveProperty('plan');
    expect(coaching).not.toHaveProperty('model');
  });

  it('a request that names no priority makes normal-priority jobs', () => {
    const { priority: _, ...request } = fullRequest;
    expect(planJobData(request, { description: 'x' }).priority).toBe('normal');
  });
});
