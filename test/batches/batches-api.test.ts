import { batchItemPriority } from '@spillway/core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ACME_KEY,
  type ApiOnly,
  GLOBEX_KEY,
  jobCount,
  ndjsonLines,
  planItems,
  startApiOnly,
  toNdjson,
} from './api-only.js';

interface BatchView {
  id: string;
  status: string;
  total: number;
  createdAt: string;
  counts: Record<string, number>;
  metadata?: Record<string, unknown>;
}

interface Problem {
  code: string;
  detail: string;
  errors: Array<{ field: string; message: string }>;
}

describe('POST /v1/batches (API only, no worker)', () => {
  let api: ApiOnly | undefined;
  afterEach(async () => {
    await api?.close();
    api = undefined;
  });

  it('accepts a JSON batch with 202, a Location and counts, and enqueues one job per item with batchId and customId', async () => {
    api = await startApiOnly();
    const response = await api.request('POST', '/v1/batches', {
      items: planItems(3),
      metadata: { run: 'nightly' },
    });
    expect(response.status).toBe(202);
    const view = (await response.json()) as BatchView;
    expect(response.headers.get('location')).toBe(`/v1/batches/${view.id}`);
    expect(view).toMatchObject({
      status: 'queued',
      total: 3,
      counts: { queued: 3, completed: 0, failed: 0, cancelled: 0 },
      metadata: { run: 'nightly' },
    });
    expect(view.id).toMatch(/^batch_/);

    const jobs = await api.queue.getJobs(['prioritized', 'waiting']);
    expect(jobs.map((j) => j.data.customId).sort()).toEqual(['item-0', 'item-1', 'item-2']);
    for (const job of jobs)
      expect(job.data).toMatchObject({ batchId: view.id, tenant: 'acme', kind: 'plan' });

    const read = await api.request('GET', `/v1/batches/${view.id}`);
    expect(read.status).toBe(200);
    expect(await read.json()).toEqual(view);
  });

  it('names every bad item by its index, refuses the whole batch with 400 and enqueues nothing', async () => {
    api = await startApiOnly();
    const items: unknown[] = planItems(20);
    items[3] = { customId: 'item-3', description: '' };
    items[12] = { customId: 'bad id!', description: 'x', date: 'tomorrow' };
    items[15] = { customId: 'item-0', description: 'same id as the first' };
    items[17] = { customId: 'item-17', description: 'x', model: 'no-such-model' };
    const response = await api.request('POST', '/v1/batches', { items });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await response.json()) as Problem;
    expect(problem.code).toBe('validation_failed');
    expect(problem.errors.map((e) => e.field)).toEqual([
      'items[3].description',
      'items[12].date',
      'items[12].customId',
      'items[15].customId',
      'items[17].model',
    ]);
    expect(problem.errors[3]!.message).toBe('duplicate of items[0]');
    expect(problem.detail).toMatch(/^items\[3\]\.description: .* \(and 4 more\)$/);
    expect(await jobCount(api)).toBe(0);
    expect(await api.redis.keys(`*${api.prefix}*batch*`)).toEqual([]);
  });

  it('reads NDJSON as a stream, naming a bad line by its number, and enqueues nothing', async () => {
    api = await startApiOnly();
    const lines = planItems(30).map((item) => JSON.stringify(item));
    lines[12] = JSON.stringify({ customId: 'item-12', description: '   ' });
    lines[20] = '{"customId": "item-20", "description": ';
    const response = await api.request('POST', '/v1/batches', `${lines.join('\n')}\n`, {
      contentType: 'application/x-ndjson',
      raw: true,
    });
    expect(response.status).toBe(400);
    const problem = (await response.json()) as Problem;
    expect(problem.errors.map((e) => e.field)).toEqual(['line 13: description', 'line 21']);
    expect(problem.errors[1]!.message).toMatch(/^not valid JSON/);
    expect(problem.detail).toMatch(/^line 13: description: /);
    expect(await jobCount(api)).toBe(0);
  });

  it('takes batch options of an NDJSON upload from the query: coaching makes a flow per item', async () => {
    api = await startApiOnly();
    const body = `${toNdjson(planItems(2))}\n\n`; // blank lines are skipped, not items
    const response = await api.request('POST', '/v1/batches?coaching=true', body, {
      contentType: 'application/x-ndjson',
      raw: true,
    });
    expect(response.status).toBe(202);
    const view = (await response.json()) as BatchView;
    expect(view.total).toBe(2);
    const plans = await api.queue.getJobs(['prioritized', 'waiting']);
    const parents = await api.queue.getJobs(['waiting-children']);
    expect(plans).toHaveLength(2);
    expect(parents.map((j) => j.data.kind)).toEqual(['coaching', 'coaching']);
    for (const parent of parents) expect(parent.data.batchId).toBe(view.id);

    const unknown = await api.request('POST', '/v1/batches?coach=yes', toNdjson(planItems(1)), {
      contentType: 'application/x-ndjson',
      raw: true,
    });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as Problem).errors[0]!.field).toBe('coach');
  });

  it('replays an NDJSON batch sent again with the same Idempotency-Key, and refuses the key with other options', async () => {
    api = await startApiOnly();
    const send = (query: string) =>
      fetch(`${api!.url}/v1/batches${query}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${ACME_KEY}`,
          'content-type': 'application/x-ndjson',
          'idempotency-key': 'nightly-2026-11-23',
        },
        body: toNdjson(planItems(3)),
      });
    const first = (await (await send('')).json()) as BatchView;
    const again = await send('');
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(((await again.json()) as BatchView).id).toBe(first.id);
    expect(await jobCount(api)).toBe(3);
    // The query carries an NDJSON batch's options: the same lines with coaching are another request.
    expect((await send('?coaching=true')).status).toBe(422);
  });

  it('refuses other content types with 415 and an empty batch with 400', async () => {
    api = await startApiOnly();
    const text = await api.request('POST', '/v1/batches', 'description', {
      contentType: 'text/csv',
      raw: true,
    });
    expect(text.status).toBe(415);
    expect(((await text.json()) as Problem).detail).toContain('application/x-ndjson');
    const empty = await api.request('POST', '/v1/batches', { items: [] });
    expect(empty.status).toBe(400);
    expect(((await empty.json()) as Problem).errors[0]!.field).toBe('items');
    const emptyLines = await api.request('POST', '/v1/batches', '\n\n', {
      contentType: 'application/x-ndjson',
      raw: true,
    });
    expect(emptyLines.status).toBe(400);
  });

  // How fast the 202 comes is measured by bench/batch-accept.ts, not asserted here.
  it('accepts 10,000 NDJSON items and streams all 10,000 results back in submission order', async () => {
    api = await startApiOnly();
    const items = planItems(10_000);
    const response = await api.request('POST', '/v1/batches', toNdjson(items), {
      contentType: 'application/x-ndjson',
      raw: true,
    });
    expect(response.status).toBe(202);
    const view = (await response.json()) as BatchView;
    expect(view.total).toBe(10_000);

    const results = await api.request('GET', `/v1/batches/${view.id}/results`);
    expect(results.headers.get('content-type')).toContain('application/x-ndjson');
    const lines = await ndjsonLines<{ customId: string; jobId: string; status: string }>(results);
    expect(lines).toHaveLength(10_000);
    expect(lines.map((l) => l.customId)).toEqual(items.map((i) => i.customId));
    expect(new Set(lines.map((l) => l.jobId)).size).toBe(10_000);
    expect(lines.every((l) => l.status === 'queued')).toBe(true);
  });

  it('hides a batch from another tenant behind 404: view, results and cancel', async () => {
    api = await startApiOnly();
    const created = await api.request('POST', '/v1/batches', { items: planItems(2) });
    const { id } = (await created.json()) as BatchView;
    for (const [method, path] of [
      ['GET', `/v1/batches/${id}`],
      ['GET', `/v1/batches/${id}/results`],
      ['POST', `/v1/batches/${id}/cancel`],
    ] as const) {
      const response = await api.request(method, path, undefined, { key: GLOBEX_KEY });
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(((await response.json()) as Problem).code).toBe('not_found');
    }
    expect(await jobCount(api)).toBe(2);
    const missing = await api.request('GET', '/v1/batches/batch_doesnotexist0');
    expect(missing.status).toBe(404);
  });

  it('cancels a queued batch: its jobs leave the queue and every item reads cancelled', async () => {
    api = await startApiOnly();
    const created = await api.request('POST', '/v1/batches', { items: planItems(5) });
    const { id } = (await created.json()) as BatchView;
    const cancel = await api.request('POST', `/v1/batches/${id}/cancel`);
    expect(cancel.status).toBe(200);
    expect(await cancel.json()).toMatchObject({
      status: 'cancelled',
      counts: { queued: 0, completed: 0, failed: 0, cancelled: 5 },
    });
    expect(await jobCount(api)).toBe(0);
    const lines = await ndjsonLines<{ status: string; error?: { code: string } }>(
      await api.request('GET', `/v1/batches/${id}/results`),
    );
    expect(lines.map((l) => [l.status, l.error?.code])).toEqual(Array(5).fill(['cancelled', 'cancelled']));
    // A second cancel changes nothing and says so the same way.
    const again = await api.request('POST', `/v1/batches/${id}/cancel`);
    expect(await again.json()).toMatchObject({ status: 'cancelled', counts: { cancelled: 5 } });
  });

  it("queues a tenant's batch items behind its own backlog, and another tenant's first items level with it", async () => {
    api = await startApiOnly();
    const first = (await (
      await api.request('POST', '/v1/batches', { items: planItems(250, 'a') })
    ).json()) as BatchView;
    const second = (await (
      await api.request('POST', '/v1/batches', { items: planItems(10, 'b') })
    ).json()) as BatchView;
    const other = (await (
      await api.request('POST', '/v1/batches', { items: planItems(10, 'c') }, { key: GLOBEX_KEY })
    ).json()) as BatchView;
    const jobs = await api.queue.getJobs(['prioritized'], 0, -1);
    const priorities = (batchId: string) =>
      jobs
        .filter((j) => j.data.batchId === batchId)
        .sort((x, y) => Number(x.data.customId!.split('-')[1]) - Number(y.data.customId!.split('-')[1]))
        .map((j) => j.opts.priority);
    // Rungs of the batch ladder (packages/core/src/jobs/priority.ts), counted from the first one.
    const firstPriorities = priorities(first.id);
    const rung = (p: number | undefined) => p! - firstPriorities[0]!;
    expect(firstPriorities[0]).toBe(batchItemPriority('normal', 0, 0));
    expect(rung(firstPriorities[99])).toBe(0);
    expect(rung(firstPriorities[100])).toBe(1);
    expect(rung(firstPriorities[249])).toBe(2);
    // acme's second batch starts behind the first one's 250 unfinished items...
    expect(new Set(priorities(second.id).map(rung))).toEqual(new Set([2]));
    // ...while globex, with no backlog, competes with acme's first hundred.
    expect(new Set(priorities(other.id).map(rung))).toEqual(new Set([0]));
  });
});
