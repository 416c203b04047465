import { type JobData, type JobResult, toJobView } from '@spillway/core';
import type { Job } from 'bullmq';
import { describe, expect, it } from 'vitest';

const now = 1_800_000_000_000;
const jobWith = (progress: unknown) =>
  ({
    id: 'job_x',
    data: { kind: 'plan', tenant: 't', createdAt: now - 1000, deadlineAt: now + 60_000 } satisfies JobData,
    progress,
  }) as unknown as Job<JobData, JobResult>;

describe('job view status', () => {
  it('says waiting_for_capacity for an active job a worker holds until a slot frees', () => {
    const view = toJobView(jobWith({ attempts: [], waitingUntil: now + 5000 }), 'active', { now });
    expect(view.status).toBe('waiting_for_capacity');
    expect(view.waitingUntil).toBe(new Date(now + 5000).toISOString());
  });

  it('says running for an active job that is not waiting', () => {
    expect(toJobView(jobWith({ attempts: [] }), 'active', { now }).status).toBe('running');
    expect(toJobView(jobWith({ attempts: [], waitingUntil: now - 1 }), 'active', { now }).status).toBe(
      'running',
    );
  });
});
