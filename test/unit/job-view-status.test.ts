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

const parked = { attempts: [], waitingUntil: now + 5000, parked: { line: 'c:abc:9', order: now - 10 } };

describe('job view status (one derivation, in packages/core/src/jobs/view.ts)', () => {
  it('says waiting_for_capacity for a job parked on a capacity line, with waitingUntil and estimatedStartAt by its place', () => {
    const view = toJobView(jobWith(parked), 'delayed', {
      now,
      place: { ahead: 7, until: now + 5000, perWindow: 3, windowMs: 60_000 },
    });
    expect(view.status).toBe('waiting_for_capacity');
    expect(view.waitingUntil).toBe(new Date(now + 5000).toISOString());
    // Seven ahead, three calls a window: two whole windows go to the jobs ahead first.
    expect(view.estimatedStartAt).toBe(new Date(now + 5000 + 2 * 60_000).toISOString());
  });

  it('starts the estimate from now when the line is past its return (a release is on its way)', () => {
    const view = toJobView(jobWith(parked), 'delayed', {
      now,
      place: { ahead: 1, until: now - 50, perWindow: 1, windowMs: 500 },
    });
    expect(view.estimatedStartAt).toBe(new Date(now + 500).toISOString());
  });

  it('says queued for a delayed job that is not parked for capacity (a retry backoff, or waiting for its plan)', () => {
    expect(toJobView(jobWith({ attempts: [] }), 'delayed', { now }).status).toBe('queued');
    const onPlan = { attempts: [], parked: { line: 'p:job_plan', order: now } };
    expect(toJobView(jobWith(onPlan), 'delayed', { now }).status).toBe('queued');
  });

  it('says running for every active job: a worker holds a job only to run it', () => {
    expect(toJobView(jobWith({ attempts: [] }), 'active', { now }).status).toBe('running');
    expect(toJobView(jobWith(parked), 'active', { now }).status).toBe('running');
  });

  it('says queued for a released job back in the wait list, and shows no wait times', () => {
    const view = toJobView(jobWith(parked), 'waiting', { now });
    expect(view.status).toBe('queued');
    expect(view.waitingUntil).toBeUndefined();
  });
});
