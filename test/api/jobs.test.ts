import { afterEach, describe, expect, it } from 'vitest';
import { type Stack, type StackOptions, startStack } from '../support/stack.js';
import { type CountingProxy, startCountingProxy } from './counting-proxy.js';
import { countJobs } from './job-count.js';

interface View {
  id: string;
  status: string;
  error?: { code: string; message: string };
  finishedAt?: string;
  result?: unknown;
  attempts: Array<{ outcome: string; note?: string }>;
  coaching?: { jobId: string; status: string };
}

const PLAN = { description: 'Dentist at 9, write the design doc, 1:1 with Sam, groceries' };

describe('async request-reply: 202, Location, long-poll', () => {
  let stack: Stack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  it('answers 202 with Location and Retry-After, and the Location serves the job', async () => {
    stack = await startStack();
    const accepted = await stack.request('POST', '/v1/plans', PLAN);
    expect(accepted.status).toBe(202);
    const location = accepted.headers.get('location')!;
    const { id } = (await accepted.json()) as View;
    expect(location).toBe(`/v1/jobs/${id}`);
    expect(Number(accepted.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const followed = await stack.request('GET', `${location}?wait=10`);
    expect(followed.status).toBe(200);
    expect(((await followed.json()) as View).status).toBe('completed');
    expect(followed.headers.get('retry-after')).toBeNull();
  });

  it('returns a long-poll as soon as the job completes, well before the wait is over', async () => {
    stack = await startStack({ latencyMs: 400 });
    const { id, status } = (await (await stack.request('POST', '/v1/plans', PLAN)).json()) as View;
    expect(['queued', 'running']).toContain(status);
    const started = Date.now();
    const view = (await (await stack.request('GET', `/v1/jobs/${id}?wait=20`)).json()) as View;
    const elapsed = Date.now() - started;
    expect(view.status).toBe('completed');
    expect(elapsed).toBeGreaterThanOrEqual(200); // it did wait for the provider's 400 ms...
    // ...and answered when the job completed, not when the 20 s were over (a bound on the contract,
    // not on the machine's speed: the job takes under half a second).
    expect(elapsed).toBeLessThan(20_000);
  });

  it('returns a long-poll on a job that cannot finish after about the wait, with the live view', async () => {
    stack = await startStack();
    stack.sim.setFaults([{ kind: 'hang', count: 1 }]);
    const { id } = (await (await stack.request('POST', '/v1/plans', PLAN)).json()) as View;
    const started = Date.now();
    const response = await stack.request('GET', `/v1/jobs/${id}?wait=1`);
    // It waited the whole second asked for, and then answered with the job still running.
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(((await response.json()) as View).status).toBe('running');
    expect(response.headers.get('retry-after')).toBe('1');
    expect((await stack.request('DELETE', `/v1/jobs/${id}`)).status).toBe(202); // ends the hung call
    const ended = await stack.waitForJob(id);
    expect(ended, JSON.stringify(ended)).toMatchObject({ status: 'cancelled' });
  });
});

describe('DELETE /v1/jobs/{id}: cancel', () => {
  let stack: Stack | undefined;
  let proxy: CountingProxy | undefined;
  afterEach(async () => {
    await stack?.close();
    await proxy?.close();
    stack = undefined;
    proxy = undefined;
  });

  /** One worker slot, and the first provider call hangs: the first job runs forever, later ones queue. */
  async function busyStack(options: StackOptions = {}): Promise<{ stack: Stack; blocker: View }> {
    proxy = await startCountingProxy();
    stack = await startStack({
      concurrency: 1,
      providers: {
        providers: [{ id: 'sim-a', type: 'simulated', baseUrl: proxy.url, models: ['sim-small'] }],
      },
      ...options,
    });
    proxy.upstreamPort = stack.sim.port;
    stack.sim.setFaults([{ kind: 'hang', count: 1 }]);
    const blocker = (await (await stack.request('POST', '/v1/plans', PLAN)).json()) as View;
    await until(
      async () =>
        (await view(stack!, blocker.id)).status === 'running' && proxy!.openConnections().length === 1,
    );
    return { stack, blocker };
  }

  it('cancels a queued job at once: it leaves the queue, reads cancelled, and a second cancel is a 200 no-op', async () => {
    const { stack, blocker } = await busyStack();
    const queued = (await (await stack.request('POST', '/v1/plans', PLAN)).json()) as View;
    expect(queued.status).toBe('queued');
    expect(await countJobs(stack)).toBe(2);

    const cancel = await stack.request('DELETE', `/v1/jobs/${queued.id}`);
    expect(cancel.status).toBe(200);
    const cancelled = (await cancel.json()) as View;
    expect(cancelled).toMatchObject({ id: queued.id, status: 'cancelled', error: { code: 'cancelled' } });
    expect(Date.parse(cancelled.finishedAt!)).not.toBeNaN();
    expect(cancelled.result).toBeUndefined();
    expect(await countJobs(stack)).toBe(1); // only the blocker is left in the queue

    // A job already over is answered without waiting: well before the 10 s asked for.
    const started = Date.now();
    const polled = await stack.request('GET', `/v1/jobs/${queued.id}?wait=10`);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await polled.json()).toEqual(cancelled);
    const again = await stack.request('DELETE', `/v1/jobs/${queued.id}`);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual(cancelled);

    await cancelAndSettle(stack, blocker.id);
  });

  it('cancels a running job: its hung provider call is cut at once and the job ends cancelled', async () => {
    const { stack, blocker } = await busyStack();
    const hung = proxy!.openConnections();
    expect(hung).toHaveLength(1);
    const cancel = await stack.request('DELETE', `/v1/jobs/${blocker.id}`);
    expect(cancel.status).toBe(202);
    expect(cancel.headers.get('retry-after')).toBe('1');
    expect(((await cancel.json()) as View).status).toBe('running');

    const ended = (await (await stack.request('GET', `/v1/jobs/${blocker.id}?wait=10`)).json()) as View;
    // The call was aborted, not timed out: the attempt says so.
    expect(ended).toMatchObject({
      status: 'cancelled',
      error: { code: 'cancelled', message: 'cancelled by the client' },
    });
    expect(ended.attempts.at(-1)).toMatchObject({ outcome: 'error', note: 'cancelled by the client' });
    await proxy!.whenClosed(hung, 5000);

    // Not retried: the worker is free, and the next job runs and completes.
    const next = (await (await stack.request('POST', '/v1/plans', PLAN)).json()) as View;
    expect((await stack.waitForJob(next.id)).status).toBe('completed');
    expect((await view(stack, blocker.id)).status).toBe('cancelled');
  });

  it('refuses to cancel a finished job with 409 job_finished', async () => {
    stack = await startStack();
    const { id } = (await (await stack.request('POST', '/v1/plans', PLAN)).json()) as View;
    expect((await stack.waitForJob(id)).status).toBe('completed');
    const refused = await stack.request('DELETE', `/v1/jobs/${id}`);
    expect(refused.status).toBe(409);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(((await refused.json()) as { code: string }).code).toBe('job_finished');
    expect((await view(stack, id)).status).toBe('completed');
    expect((await stack.request('DELETE', '/v1/jobs/job_doesnotexist00')).status).toBe(404);
  });

  it('cancels the coaching job with its queued plan, and both read cancelled', async () => {
    const { stack, blocker } = await busyStack();
    const planView = (await (
      await stack.request('POST', '/v1/plans', { ...PLAN, coaching: true })
    ).json()) as View;
    const coachingId = planView.coaching!.jobId;
    expect(await countJobs(stack)).toBe(3);

    const cancel = await stack.request('DELETE', `/v1/jobs/${planView.id}`);
    expect(cancel.status).toBe(200);
    expect(await cancel.json()).toMatchObject({
      status: 'cancelled',
      coaching: { jobId: coachingId, status: 'cancelled' },
    });
    expect(await view(stack, coachingId)).toMatchObject({
      status: 'cancelled',
      error: { code: 'cancelled' },
    });
    expect(await countJobs(stack)).toBe(1);

    await cancelAndSettle(stack, blocker.id);
  });

  it('cancelling a coaching job whose plan is running stops the plan too', async () => {
    proxy = await startCountingProxy();
    stack = await startStack({
      concurrency: 1,
      providers: {
        providers: [{ id: 'sim-a', type: 'simulated', baseUrl: proxy.url, models: ['sim-small'] }],
      },
    });
    proxy.upstreamPort = stack.sim.port;
    stack.sim.setFaults([{ kind: 'hang', count: 1 }]);
    const planView = (await (
      await stack.request('POST', '/v1/plans', { ...PLAN, coaching: true })
    ).json()) as View;
    const coachingId = planView.coaching!.jobId;
    await until(
      async () =>
        (await view(stack!, planView.id)).status === 'running' && proxy!.openConnections().length === 1,
    );
    const hung = proxy.openConnections();

    const cancel = await stack.request('DELETE', `/v1/jobs/${coachingId}`);
    expect(cancel.status).toBe(202);
    const plan = (await (await stack.request('GET', `/v1/jobs/${planView.id}?wait=10`)).json()) as View;
    expect(plan).toMatchObject({ status: 'cancelled', error: { code: 'cancelled' } });
    expect(await view(stack, coachingId)).toMatchObject({
      status: 'cancelled',
      error: { code: 'cancelled' },
    });
    await proxy.whenClosed(hung, 5000);
  });
});

async function view(stack: Stack, id: string): Promise<View> {
  return (await (await stack.request('GET', `/v1/jobs/${id}`)).json()) as View;
}

async function cancelAndSettle(stack: Stack, id: string): Promise<void> {
  await stack.request('DELETE', `/v1/jobs/${id}`);
  expect((await stack.waitForJob(id, 5000)).status).toBe('cancelled');
}

async function until(condition: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
