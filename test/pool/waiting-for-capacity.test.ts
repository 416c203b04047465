import {
  closeRedis,
  createAdapters,
  createLogger,
  createRedis,
  type JobData,
  type JobResult,
  loadProviders,
  PLAN_SYSTEM_PROMPT,
  Pool,
  placeInLine,
  planUserPrompt,
  progressOf,
  toJobView,
  WaitingRoom,
  waitingCount,
} from '@spillway/core';
import { createSimulator } from '@spillway/simulator';
import { startWorker } from '@spillway/worker';
import { type Job, Queue } from 'bullmq';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { parseExposition, sampleValue } from '../observability/exposition.js';
import { drained, enqueuePlans, jobsQueue, planJob } from '../support/enqueue.js';
import { hasRedisServer, startPrivateRedis } from '../support/private-redis.js';
import { testRedis } from '../support/redis.js';
import { type Stack, startStack } from '../support/stack.js';
import { uniquePrefix } from '../support/tracked.js';
import { type Receiver, startReceiver } from '../webhooks/receiver.js';
import { startLimitingProvider } from './limiting-provider.js';

/** A "minute" of 2 s: an instance with rpm 1 takes one call every ~2.1 s. */
const minuteWindow = { ms: 2000, guardMs: 100 };
/** What the worker used to hold a job in memory for (a minute window + 5 s): waits here are longer. */
const OLD_IN_MEMORY_HOLD_MS = minuteWindow.ms + 5000;

type View = Record<string, unknown> & { id: string; status: string };

describe('waiting for capacity: one mechanism (jobs park in Redis, out of the worker)', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  async function workerOnly(redisUrl: string, prefix: string) {
    const sim = await createSimulator({
      models: { a: { dialect: 'groq' }, b: { dialect: 'openai' } },
      latencyMs: 5,
      minuteMs: minuteWindow.ms,
    });
    cleanup.push(() => sim.close());
    const { instances } = loadProviders({
      fileText: JSON.stringify({
        providers: [{ id: 'sim', type: 'simulated', baseUrl: sim.url, models: ['a', 'b'] }],
      }),
      env: {},
      simulatorUrl: sim.url,
    });
    const target = { url: redisUrl, cluster: false };
    const poolRedis = createRedis(target, `${prefix}:limiter`);
    cleanup.push(async () => {
      await poolRedis.quit();
    });
    const pool = new Pool({ redis: poolRedis, prefix, minuteWindow });
    const worker = await startWorker({
      redis: target,
      prefix,
      concurrency: 20,
      instances,
      adapterFor: createAdapters({ timeoutMs: 5000 }),
      logger: createLogger({ level: 'silent' }),
      minuteWindow,
    });
    cleanup.push(() => worker.close());
    return { sim, pool, instances, poolRedis };
  }

  /** A model `slow` the pool knows allows one call per (test) minute, and an idle model `fast`. */
  async function slowAndFast(options: { concurrency?: number; webhooks?: boolean } = {}): Promise<Stack> {
    const stack = await startStack({
      models: { slow: { dialect: 'groq' }, fast: { dialect: 'groq' } },
      providers: {
        providers: [
          { id: 'sim', type: 'simulated', baseUrl: '{{sim}}', models: { slow: { rpm: 1 }, fast: {} } },
        ],
      },
      concurrency: options.concurrency ?? 5,
      minuteWindow,
      webhookAllowPrivate: options.webhooks ?? false,
    });
    cleanup.push(() => stack.close());
    return stack;
  }

  async function submit(stack: Stack, body: Record<string, unknown>): Promise<string> {
    const response = await stack.request('POST', '/v1/plans', { description: 'Email, write, gym', ...body });
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
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  it('no number of 429s ends a job before its deadline: 40 short 429s in a row (retry-after-ms 150) from one model, then an answer, completes, spending no attempt and no hop, with a bounded attempts list', async () => {
    const provider = await startLimitingProvider(40, 150);
    cleanup.push(() => provider.close());
    // maxHops 4: the loop guard counts reroutes only, never a provider that keeps saying "wait".
    // A short minute shortens the pool's back-off for an instance that keeps refusing (1/60 of the
    // minute, doubling, up to the minute): 40 strikes take seconds, not the half hour of production.
    const stack = await startStack({
      minuteWindow: { ms: 300, guardMs: 20 },
      providers: {
        providers: [
          { id: 'oai', type: 'openai-compatible', baseUrl: provider.baseUrl, apiKey: 'x', models: { m: {} } },
        ],
      },
      maxHops: 4,
    });
    cleanup.push(() => stack.close());
    const id = await submit(stack, {});
    const done = await stack.waitForJob(id, 60_000);
    expect(done.status, JSON.stringify(done)).toBe('completed');
    expect(provider.calls.filter((c) => c.limited)).toHaveLength(40);
    const attempts = done.attempts as Array<{ outcome: string; retryAfterMs?: number }>;
    // The first 5 and the last 20 of 41 attempts; the 16 between are counted, not listed.
    expect(attempts).toHaveLength(25);
    expect(attempts.at(-1)!.outcome).toBe('ok');
    expect(attempts.slice(0, -1).every((a) => a.outcome === 'rate_limited' && a.retryAfterMs === 150)).toBe(
      true,
    );
    expect(done.attemptsOmitted).toEqual({ count: 16, ok: 0, rate_limited: 16, error: 0 });
    const queue = jobsQueue(stack.prefix);
    cleanup.push(() => queue.close());
    // BullMQ counts the run that completed; no 429 spent one.
    expect((await queue.getJob(id))!.attemptsMade).toBe(1);
  }, 70_000);

  it('holds every job parked in Redis, in no worker slot, while all instances are limited longer than any in-memory hold, and completes them all once the limits expire', async () => {
    const prefix = uniquePrefix('wait');
    const { sim, pool, instances, poolRedis } = await workerOnly(inject('redisUrl'), prefix);
    const limitMs = OLD_IN_MEMORY_HOLD_MS + 1500;
    for (const instance of instances) {
      await pool.markLimited(instance, {
        scope: 'instance',
        window: 'minute',
        retryAfterMs: limitMs,
        reason: 'test',
      });
    }
    const queue = jobsQueue(prefix);
    cleanup.push(() => queue.close());
    const started = Date.now();
    await enqueuePlans(queue, 50);

    // Every job left the worker and parked: delayed in BullMQ, on its line, counted as waiting.
    await until(
      'all parked',
      () => waitingCount(poolRedis, prefix),
      (n) => n === 50,
    );
    const counts = await queue.getJobCounts('active', 'wait', 'delayed', 'failed');
    expect(counts).toMatchObject({ active: 0, wait: 0, delayed: 50, failed: 0 });
    const job = (await queue.getJob('job_load000049x')) as Job<JobData, JobResult>;
    const parked = progressOf(job).parked!;
    const place = await placeInLine(poolRedis, prefix, parked.line, job.id!);
    const parkedView = toJobView(job, await job.getState(), { now: Date.now(), place });
    expect(parkedView.status).toBe('waiting_for_capacity');
    expect(Date.parse(parkedView.waitingUntil!)).toBeGreaterThanOrEqual(started + limitMs - 1000);

    // Past the old in-memory hold nothing has failed or run: the jobs still wait, parked.
    await new Promise((r) => setTimeout(r, OLD_IN_MEMORY_HOLD_MS - (Date.now() - started)));
    expect(await queue.getJobCounts('failed', 'active', 'delayed')).toMatchObject({
      failed: 0,
      active: 0,
      delayed: 50,
    });
    expect(sim.stats().a?.accepted ?? 0).toBe(0);

    expect(await drained(queue, 50, 20_000)).toEqual({ completed: 50, failed: 0 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(limitMs - 100);
    expect(await waitingCount(poolRedis, prefix)).toBe(0);
  }, 40_000);

  it('no head of line: with WORKER_CONCURRENCY=5, jobs for an idle model complete at once while eight jobs pinned to a model at rpm 1 wait', async () => {
    const stack = await slowAndFast({ concurrency: 5 });
    const slow: string[] = [];
    for (let i = 0; i < 8; i++) slow.push(await submit(stack, { model: 'slow' }));
    await new Promise((r) => setTimeout(r, 300));
    const submitted = Date.now();
    const fast = await Promise.all(Array.from({ length: 5 }, () => submit(stack, { model: 'fast' })));
    for (const id of fast) expect((await stack.waitForJob(id, 3000)).status).toBe('completed');
    expect(Date.now() - submitted).toBeLessThan(3000);
    const slowViews = await Promise.all(slow.map((id) => view(stack, id)));
    // At rpm 1 at most two of the slow ones have run yet; the rest wait, visibly, holding no slot.
    expect(slowViews.filter((v) => v.status === 'waiting_for_capacity').length).toBeGreaterThanOrEqual(5);
  }, 30_000);

  it('shows a parked job as waiting_for_capacity with waitingUntil and an estimatedStartAt by its place in line; the batch and /metrics count it the same', async () => {
    const stack = await slowAndFast();
    // Nothing moves while the test reads: the model is limited for longer than the test runs.
    const slow = stack.providers.instances.find((i) => i.model === 'slow')!;
    await stack.worker.pool.markLimited(slow, {
      scope: 'instance',
      window: 'minute',
      retryAfterMs: 60_000,
      reason: 'test',
    });
    const response = await stack.request('POST', '/v1/batches', {
      items: Array.from({ length: 4 }, (_, i) => ({
        customId: `c${i}`,
        description: `Task ${i}`,
        model: 'slow',
      })),
    });
    expect(response.status).toBe(202);
    const batchId = ((await response.json()) as { id: string }).id;
    const waitingIn = async () =>
      (await (await stack.request('GET', `/v1/batches/${batchId}`)).json()) as {
        counts: { waiting_for_capacity?: number; completed: number };
      };
    const batch = await until('four parked', waitingIn, (b) => b.counts.waiting_for_capacity === 4);
    expect(batch.counts).toMatchObject({ queued: 0, completed: 0 });

    const queue = jobsQueue(stack.prefix);
    cleanup.push(() => queue.close());
    const delayed = await queue.getJobs(['delayed']);
    const views = (await Promise.all(delayed.map((job) => view(stack, job.id!)))).sort(
      (a, b) => Date.parse(String(a.estimatedStartAt)) - Date.parse(String(b.estimatedStartAt)),
    );
    expect(views.map((v) => v.status)).toEqual(Array(4).fill('waiting_for_capacity'));
    for (const v of views) expect(v.attempts).toEqual([]);
    // The first in line starts when capacity returns; each one behind it a call (2 s at rpm 1) later.
    const starts = views.map((v) => Date.parse(String(v.estimatedStartAt)));
    expect(Date.parse(String(views[0]!.waitingUntil)) - Date.now()).toBeGreaterThan(50_000);
    expect(starts[0]).toBe(Date.parse(String(views[0]!.waitingUntil)));
    expect(starts[1]! - starts[0]!).toBe(minuteWindow.ms);
    expect(starts[2]! - starts[1]!).toBe(minuteWindow.ms);
    expect(starts[3]! - starts[2]!).toBe(minuteWindow.ms);

    const metrics = parseExposition(await (await fetch(`${stack.url}/metrics`)).text());
    expect(sampleValue(metrics, 'spillway_waiting_for_capacity')).toBe(4);

    // The CLI tells the same story.
    const env = { SPILLWAY_URL: stack.url, SPILLWAY_API_KEY: stack.apiKey };
    const batchLine = await runCli(['batch', 'status', batchId], env);
    expect(batchLine.stdout).toContain('0 queued, 4 waiting for capacity');
    const jobLines = await runCli(['job', views[2]!.id], env);
    expect(jobLines.stdout).toContain(`${views[2]!.id}: waiting_for_capacity`);
    expect(jobLines.stdout).toContain(`estimated start ${views[2]!.estimatedStartAt}`);
  }, 40_000);

  it('past its deadline a parked job fails at its deadline (within 1 s) with capacity_exhausted, capacityReturnsAt and its job.failed webhook', async () => {
    const receiver: Receiver = await startReceiver();
    cleanup.push(() => receiver.close());
    const stack = await slowAndFast({ webhooks: true });
    // One call per 2 s: one job runs, three with time to spare wait in line, and at the back of the
    // line two with 3 s. Capacity returns for the line (2.1 s) before their deadline, but the jobs
    // ahead take it: they wait, parked, until their deadline ends them.
    const patient: string[] = [];
    for (let i = 0; i < 4; i++) patient.push(await submit(stack, { model: 'slow', deadlineSeconds: 60 }));
    const hurried: string[] = [];
    for (let i = 0; i < 2; i++) {
      hurried.push(await submit(stack, { model: 'slow', deadlineSeconds: 3, callbackUrl: receiver.url }));
    }
    const parkedView = await until(
      'parked',
      () => view(stack, hurried[1]!),
      (v) => v.status === 'waiting_for_capacity',
    );
    expect(Date.parse(String(parkedView.waitingUntil))).toBeLessThan(
      Date.parse(String(parkedView.createdAt)) + 3000,
    );
    for (const id of hurried) {
      const v = await stack.waitForJob(id, 10_000);
      expect(v.status).toBe('failed');
      const error = v.error as { code: string; details: { capacityReturnsAt: string | null } };
      expect(error.code).toBe('capacity_exhausted');
      // When the line would have reached it: after its deadline.
      const deadline = Date.parse(String(v.createdAt)) + 3000;
      expect(Date.parse(error.details.capacityReturnsAt!)).toBeGreaterThan(deadline);
      // At its deadline: not before (it was waiting), and not more than a second after.
      const finished = Date.parse(String(v.finishedAt));
      expect(finished).toBeGreaterThanOrEqual(deadline);
      expect(finished - deadline).toBeLessThanOrEqual(1000);
      expect(v.attempts).toEqual([]);
    }
    const hooks = await receiver.waitFor(2, 5000);
    for (const id of hurried) {
      const hook = hooks.find((r) => JSON.parse(r.body).data.id === id)!;
      expect(JSON.parse(hook.body)).toMatchObject({ type: 'job.failed', data: { status: 'failed' } });
      expect(hook.at - Date.parse(String((await view(stack, id)).finishedAt))).toBeLessThan(1000);
    }
    // The patient ones are still waiting their turn, not failed.
    expect((await view(stack, patient[3]!)).status).toBe('waiting_for_capacity');
  }, 30_000);

  it('cancel ends a parked job within 1 s, takes it off its line and sends its job.failed webhook', async () => {
    const receiver: Receiver = await startReceiver();
    cleanup.push(() => receiver.close());
    const stack = await slowAndFast({ webhooks: true });
    const first = await submit(stack, { model: 'slow' });
    await stack.waitForJob(first);
    // Limited for longer than any in-memory hold: the job parks, out of every worker.
    const slow = stack.providers.instances.find((i) => i.model === 'slow')!;
    await stack.worker.pool.markLimited(slow, {
      scope: 'instance',
      window: 'minute',
      retryAfterMs: OLD_IN_MEMORY_HOLD_MS + 3000,
      reason: 'test',
    });
    const parked = await submit(stack, { model: 'slow', callbackUrl: receiver.url });
    await until(
      'parked',
      () => view(stack, parked),
      (v) => v.status === 'waiting_for_capacity',
    );

    const cancelledAt = Date.now();
    expect((await stack.request('DELETE', `/v1/jobs/${parked}`)).status).toBeLessThan(300);
    const ended = await until(
      'cancelled',
      () => view(stack, parked),
      (v) => v.status === 'cancelled',
      1000,
    );
    expect(ended.status).toBe('cancelled');
    const [hook] = await receiver.waitFor(1, 3000);
    expect(hook!.at - cancelledAt).toBeLessThan(1500);
    expect(JSON.parse(hook!.body)).toMatchObject({
      type: 'job.failed',
      data: { id: parked, status: 'cancelled' },
    });
    const metrics = parseExposition(await (await fetch(`${stack.url}/metrics`)).text());
    expect(sampleValue(metrics, 'spillway_waiting_for_capacity')).toBe(0);
    expect(stack.sim.stats().slow?.accepted).toBe(1);
  }, 30_000);

  it('waits while every instance is disabled (quota) and runs once the disable expires', async () => {
    const prefix = uniquePrefix('disabled');
    const { sim, pool, instances, poolRedis } = await workerOnly(inject('redisUrl'), prefix);
    for (const instance of instances) await pool.disable(instance, 'quota exhausted: test', 2500);
    const queue = jobsQueue(prefix);
    cleanup.push(() => queue.close());
    const started = Date.now();
    await enqueuePlans(queue, 3);
    await until(
      'parked',
      () => waitingCount(poolRedis, prefix),
      (n) => n === 3,
    );
    expect((await queue.getJobCounts('failed')).failed).toBe(0);
    expect(await drained(queue, 3, 10_000)).toEqual({ completed: 3, failed: 0 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(2400);
    expect(Object.values(sim.stats()).reduce((n, s) => n + s.accepted, 0)).toBe(3);
  }, 20_000);

  it('a job whose token estimate does not fit today stops no smaller job that does: it parks, they run', async () => {
    const provider = await startLimitingProvider(0, 0); // answers at once, reporting 150 tokens used
    cleanup.push(() => provider.close());
    const estimate = (description: string) =>
      Math.ceil((PLAN_SYSTEM_PROMPT.length + planUserPrompt({ description }).length) / 4) + 700;
    const small = 'Email, write, gym';
    const large = `${small}. ${'Notes. '.repeat(600)}`;
    // A day's tokens: the large job fits an empty day, not one with a call in it; small ones still do.
    const tpd = estimate(large) + 100;
    expect(150 + 2 * estimate(small)).toBeLessThan(tpd);
    const stack = await startStack({
      providers: {
        providers: [
          {
            id: 'oai',
            type: 'openai-compatible',
            baseUrl: provider.baseUrl,
            apiKey: 'x',
            models: { m: { tpd } },
          },
        ],
      },
    });
    cleanup.push(() => stack.close());
    expect((await stack.waitForJob(await submit(stack, { description: small }))).status).toBe('completed');
    await new Promise((r) => setTimeout(r, 200)); // its actual usage settles
    const big = await submit(stack, { description: large, deadlineSeconds: 2 * 86_400 });
    await until(
      'the large job parked',
      () => view(stack, big),
      (v) => v.status === 'waiting_for_capacity',
    );
    const after = await Promise.all([1, 2].map(() => submit(stack, { description: small })));
    for (const id of after) expect((await stack.waitForJob(id, 5000)).status).toBe('completed');
    // The model's rpm is unknown, so each small job's end frees a probe's slot and wakes the large
    // job for one look: it parks again, for the day.
    const bigView = await until(
      'the large job parked again',
      () => view(stack, big),
      (v) => v.status === 'waiting_for_capacity',
    );
    // It waits for the day window, not for ever: it runs once the day's calls leave the window.
    expect(Date.parse(String(bigView.waitingUntil)) - Date.now()).toBeGreaterThan(86_000_000);
  }, 30_000);

  it('a too-large job rerouted to a bigger model remembers it after a wait: it goes to the bigger model, not back to the small one', async () => {
    const stack = await startStack({
      models: {
        small: { dialect: 'openai', contextWindow: 60 },
        large: { dialect: 'openai', contextWindow: 100_000 },
      },
      providers: {
        providers: [
          {
            id: 'p1',
            type: 'simulated',
            baseUrl: '{{sim}}',
            models: { small: { contextWindow: 60 }, large: { contextWindow: 100_000 } },
          },
        ],
      },
      minuteWindow,
    });
    cleanup.push(() => stack.close());
    const large = stack.providers.instances.find((i) => i.model === 'large')!;
    // Longer than any in-memory hold: the job leaves the worker and comes back.
    await stack.worker.pool.markLimited(large, {
      scope: 'instance',
      window: 'minute',
      retryAfterMs: OLD_IN_MEMORY_HOLD_MS + 1000,
      reason: 'test',
    });
    const id = await submit(stack, {
      model: 'small',
      fallback: 'any',
      description: 'A long day. '.repeat(40),
    });
    await until(
      'parked',
      () => view(stack, id),
      (v) => v.status === 'waiting_for_capacity',
    );
    const done = await stack.waitForJob(id, 20_000);
    expect(done.status).toBe('completed');
    const attempts = done.attempts as Array<{ model: string; outcome: string }>;
    expect(attempts.map((a) => [a.model, a.outcome])).toEqual([
      ['small', 'error'],
      ['large', 'ok'],
    ]);
  }, 30_000);

  it('a release skips a parked id whose job was removed, and a released job that vanishes does not strand the line: its lease brings the next one', async () => {
    const prefix = uniquePrefix('lease');
    const queue = jobsQueue(prefix);
    cleanup.push(() => queue.close());
    const redis = testRedis(prefix, 'room');
    cleanup.push(() => closeRedis(redis));
    const room = new WaitingRoom({
      redis,
      prefix,
      queueName: 'jobs',
      clock: Date.now,
      logger: createLogger({ level: 'silent' }),
      leaseMs: 300,
      checkMs: 60_000,
    });
    cleanup.push(() => room.close());
    const ids = ['job_lease0000001x', 'job_lease0000002x', 'job_lease0000003x'];
    const line = 'c:test:9';
    for (const [order, id] of ids.entries()) {
      await queue.add('plan', planJob(order), { jobId: id, delay: 3_600_000 });
      await room.park({
        line,
        member: id,
        order,
        until: Date.now() + 200,
        perWindow: 0,
        windowMs: 0,
        again: false,
      });
    }
    // The first one is removed behind the line's back (no leave): the release must skip it.
    await (await queue.getJob(ids[0]!))!.remove();
    const state = async (id: string) => (await queue.getJob(id))?.getState();
    await until(
      'the second released',
      () => state(ids[1]!),
      (s) => s === 'waiting',
    );
    expect(await state(ids[2]!)).toBe('delayed');
    expect(await waitingCount(redis, prefix)).toBe(1);
    // The released job vanishes before any worker reports back: the lease releases the next.
    await (await queue.getJob(ids[1]!))!.remove();
    await until(
      'the third released',
      () => state(ids[2]!),
      (s) => s === 'waiting',
    );
    expect(await waitingCount(redis, prefix)).toBe(0);
    expect(await redis.zcard(`{${prefix}}:wait:wakes`)).toBe(0);
  });

  it.runIf(hasRedisServer())(
    'costs no Redis traffic per waiting job: commands per second stay flat from 100 to 10,000 parked jobs',
    async () => {
      const redis = await startPrivateRedis();
      cleanup.push(() => redis.stop());
      const prefix = uniquePrefix('flat');
      const { pool, instances, poolRedis } = await workerOnly(redis.url, prefix);
      for (const instance of instances) {
        await pool.markLimited(instance, {
          scope: 'instance',
          window: 'day',
          retryAfterMs: 120_000,
          reason: 'test',
        });
      }
      const queue = new Queue('jobs', {
        connection: { host: '127.0.0.1', port: redis.port, connectionName: `${prefix}:q` },
        prefix: `{${prefix}}`,
      });
      cleanup.push(() => queue.close());

      const rate = async () => {
        const before = await redis.commandsProcessed();
        await new Promise((r) => setTimeout(r, 3000));
        return ((await redis.commandsProcessed()) - before) / 3;
      };

      await enqueuePlans(queue as never, 100);
      await until(
        '100 parked',
        () => waitingCount(poolRedis, prefix),
        (n) => n === 100,
        20_000,
      );
      const at100 = await rate();
      const beforeAdding = await redis.commandsProcessed();
      await enqueuePlans(queue as never, 10_000, {}, 100);
      // The counter does see traffic: adding 10,000 jobs is at least one command each.
      expect((await redis.commandsProcessed()) - beforeAdding).toBeGreaterThanOrEqual(10_000);
      // Each job is looked at once (it parks), then costs nothing while it waits.
      await until(
        '10,100 parked',
        () => waitingCount(poolRedis, prefix),
        (n) => n === 10_100,
        60_000,
      );
      const at10k = await rate();
      expect(await queue.getJobCounts('delayed', 'failed', 'active')).toEqual({
        delayed: 10_100,
        failed: 0,
        active: 0,
      });
      // Flat: the worker's own upkeep (a blocking wait, the wake schedule) and nothing per job.
      expect(at10k).toBeLessThanOrEqual(at100 * 1.5 + 5);
      console.log(
        `redis commands/s while waiting: 100 jobs ${at100.toFixed(1)}, 10,000 jobs ${at10k.toFixed(1)}`,
      );
    },
    180_000,
  );
});
