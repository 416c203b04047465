import { PlanResultSchema } from '@spillway/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type Stack, startStack, TEST_WEBHOOK_SECRET } from '../support/stack.js';
import { type Receiver, startReceiver, verifyWithLibrary } from '../webhooks/receiver.js';
import { ndjsonLines, planItems } from './api-only.js';

interface BatchView {
  id: string;
  status: string;
  total: number;
  finishedAt?: string;
  counts: { queued: number; completed: number; failed: number; cancelled: number };
}

interface ResultLine {
  customId: string;
  jobId: string;
  status: string;
  result?: unknown;
  error?: { code: string };
  coaching?: { jobId: string; status: string; result?: unknown };
}

/** Unlimited for the pool (no catalog limits) and for the simulator alike. */
const FAST_MODELS = {
  fast: { dialect: 'groq', rpm: 10_000_000 },
  broken: { dialect: 'groq', rpm: 10_000_000 },
} as const;
const GLOBEX_KEY = 'sk-test-globex-0123456789abcdef';

async function readBatch(stack: Stack, id: string, key?: string): Promise<BatchView> {
  const headers: Record<string, string> = key ? { authorization: `Bearer ${key}` } : {};
  return (await (await stack.request('GET', `/v1/batches/${id}`, undefined, headers)).json()) as BatchView;
}

async function waitForBatch(
  stack: Stack,
  id: string,
  done: (view: BatchView) => boolean,
  options: { key?: string; timeoutMs?: number } = {},
): Promise<BatchView> {
  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  for (;;) {
    const view = await readBatch(stack, id, options.key);
    if (done(view)) return view;
    if (Date.now() > deadline) throw new Error(`batch ${id} still ${JSON.stringify(view)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const finished = (view: BatchView) => ['completed', 'cancelled'].includes(view.status);

describe('batches end to end (API → BullMQ → worker → simulator)', () => {
  let stack: Stack | undefined;
  let receiver: Receiver | undefined;
  afterEach(async () => {
    await stack?.close();
    await receiver?.close();
    stack = undefined;
    receiver = undefined;
  });

  it('runs every item, counts each outcome once, streams the results and posts batch.completed once', async () => {
    stack = await startStack({ models: FAST_MODELS, webhookAllowPrivate: true });
    stack.sim.setFaults({ model: 'broken', kind: 'invalid_output' });
    receiver = await startReceiver();
    // Pinned, so only the items meant to fail meet the broken model.
    const items: Array<Record<string, unknown>> = planItems(24).map((item) => ({ ...item, model: 'fast' }));
    items[5] = { ...items[5], model: 'broken' };
    items[7] = { ...items[7], coaching: true };
    // A coaching item whose plan fails: the item ends with the plan (BullMQ fails the coaching job itself).
    items[9] = { ...items[9], coaching: true, model: 'broken' };
    const response = await stack.request('POST', '/v1/batches', { items, callbackUrl: receiver.url });
    expect(response.status).toBe(202);
    const { id } = (await response.json()) as BatchView;

    const done = await waitForBatch(stack, id, finished);
    expect(done).toMatchObject({
      status: 'completed',
      total: 24,
      counts: { queued: 0, completed: 22, failed: 2, cancelled: 0 },
    });
    expect(Date.parse(done.finishedAt!)).not.toBeNaN();

    const lines = await ndjsonLines<ResultLine>(await stack.request('GET', `/v1/batches/${id}/results`));
    expect(lines.map((l) => l.customId)).toEqual(items.map((i) => i.customId));
    expect(lines[5]).toMatchObject({ status: 'failed', error: { code: 'invalid_output' } });
    expect(lines[9]).toMatchObject({ status: 'failed', coaching: { status: 'failed' } });
    expect(lines[7]).toMatchObject({ status: 'completed', coaching: { status: 'completed' } });
    expect(lines[7]!.coaching!.result).toHaveProperty('strengths');
    for (const line of lines.filter((l) => l.status === 'completed')) {
      expect(PlanResultSchema.safeParse(line.result).success).toBe(true);
    }

    const [delivery] = await receiver.waitFor(1, 10_000);
    expect(delivery!.headers['webhook-id']).toBe(`msg_${id}_batch_completed`);
    const event = verifyWithLibrary(TEST_WEBHOOK_SECRET, delivery!) as { type: string; data: BatchView };
    expect(event.type).toBe('batch.completed');
    expect(event.data).toMatchObject({
      id,
      status: 'completed',
      counts: done.counts,
      finishedAt: done.finishedAt,
    });
    // Nothing else arrives: the batch webhook goes out once, and items without a callbackUrl send none.
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.received).toHaveLength(1);
  });

  it("serves another tenant's interactive plan and batch while a 2,000-item batch is queued", async () => {
    stack = await startStack({
      models: FAST_MODELS,
      latencyMs: 40,
      concurrency: 10,
      tenants: [{ tenant: 'globex', key: GLOBEX_KEY }],
    });
    const asGlobex = { authorization: `Bearer ${GLOBEX_KEY}` };
    const big = await stack.request('POST', '/v1/batches', { items: planItems(2000, 'a') });
    const { id: bigId } = (await big.json()) as BatchView;

    const started = Date.now();
    const plan = await stack.request(
      'POST',
      '/v1/plans',
      { description: 'Interactive: plan my afternoon' },
      asGlobex,
    );
    const { id: planId } = (await plan.json()) as { id: string };
    const headers = asGlobex;
    let view: Record<string, unknown>;
    do {
      view = (await (
        await stack.request('GET', `/v1/jobs/${planId}?wait=5`, undefined, headers)
      ).json()) as Record<string, unknown>;
    } while (view.status !== 'completed' && Date.now() - started < 10_000);
    expect(view.status).toBe('completed');
    // Served ahead of the batch, not after it (whatever the machine's speed): most of it still waits.
    expect((await readBatch(stack, bigId)).counts.queued).toBeGreaterThan(1500);

    const small = await stack.request('POST', '/v1/batches', { items: planItems(20, 'b') }, asGlobex);
    const { id: smallId } = (await small.json()) as BatchView;
    const smallDone = await waitForBatch(stack, smallId, finished, { key: GLOBEX_KEY });
    expect(smallDone.counts.completed).toBe(20);
    // Served interleaved with the big batch, not after it: most of the big one is still queued.
    const bigNow = await readBatch(stack, bigId);
    expect(bigNow.counts.queued).toBeGreaterThan(1000);
  });

  it('cancels a running batch: queued items are cancelled at once, running ones finish, then it reads cancelled', async () => {
    stack = await startStack({ models: FAST_MODELS, latencyMs: 150, concurrency: 4 });
    const created = await stack.request('POST', '/v1/batches', { items: planItems(100) });
    const { id } = (await created.json()) as BatchView;
    await waitForBatch(stack, id, (v) => v.status === 'running');

    const cancel = await stack.request('POST', `/v1/batches/${id}/cancel`);
    const cancelling = (await cancel.json()) as BatchView;
    expect([200, 202]).toContain(cancel.status);
    expect(cancelling.counts.cancelled).toBeGreaterThanOrEqual(80);

    const done = await waitForBatch(stack, id, (v) => v.status === 'cancelled');
    const { completed, failed, cancelled, queued } = done.counts;
    expect(queued).toBe(0);
    expect(failed).toBe(0);
    expect(completed + cancelled).toBe(100);
    expect(completed).toBeGreaterThanOrEqual(1);
    expect(completed).toBeLessThanOrEqual(20);
    const lines = await ndjsonLines<ResultLine>(await stack.request('GET', `/v1/batches/${id}/results`));
    expect(lines.filter((l) => l.status === 'completed')).toHaveLength(completed);
    expect(lines.filter((l) => l.status === 'cancelled')).toHaveLength(cancelled);
  });

  it('a batch item cancelled on its own (DELETE /v1/jobs/{id}) still lets its batch complete', async () => {
    stack = await startStack({ models: FAST_MODELS, latencyMs: 100, concurrency: 1 });
    const created = await stack.request('POST', '/v1/batches', { items: planItems(5) });
    const { id } = (await created.json()) as BatchView;
    const lines = await ndjsonLines<ResultLine>(await stack.request('GET', `/v1/batches/${id}/results`));
    // With one job at a time, the last item is still queued: cancel it alone.
    const last = lines.at(-1)!;
    const cancel = await stack.request('DELETE', `/v1/jobs/${last.jobId}`);
    expect(cancel.status).toBe(200);

    const done = await waitForBatch(stack, id, finished);
    expect(done.status).toBe('completed');
    expect(done.counts).toMatchObject({ queued: 0, completed: 4, cancelled: 1 });
  });
});
