import { createHash } from 'node:crypto';
import { closeRedis, hashTaggedPrefix } from '@spillway/core';
import { afterEach, describe, expect, it } from 'vitest';
import { testRedis } from '../support/redis.js';
import { type Stack, startStack } from '../support/stack.js';
import { countJobs } from './job-count.js';

const plan = {
  description: 'Inbox zero, then the budget review, then a run',
  date: '2026-03-02',
  metadata: { a: 1, b: [1, 2] },
};

describe('Idempotency-Key on POST', () => {
  let stack: Stack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  it('replays the original status, headers and body for the same key and body, creating one job', async () => {
    stack = await startStack();
    const key = { 'idempotency-key': 'order-7431' };
    const first = await stack.request('POST', '/v1/plans', plan, key);
    expect(first.status).toBe(202);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const firstBody = await first.text();

    // The same request with its keys in another order is the same request.
    const reordered = { metadata: { b: [1, 2], a: 1 }, date: plan.date, description: plan.description };
    const again = await stack.request('POST', '/v1/plans', reordered, key);
    expect(again.status).toBe(202);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.headers.get('location')).toBe(first.headers.get('location'));
    expect(again.headers.get('retry-after')).toBe(first.headers.get('retry-after'));
    expect(again.headers.get('content-type')).toContain('application/json');
    expect(await again.text()).toBe(firstBody);
    expect(await countJobs(stack)).toBe(1);
  });

  it('answers 422 idempotency_key_reused for the same key with a different body', async () => {
    stack = await startStack();
    const key = { 'idempotency-key': 'order-7432' };
    expect((await stack.request('POST', '/v1/plans', plan, key)).status).toBe(202);
    const reused = await stack.request(
      'POST',
      '/v1/plans',
      { ...plan, description: 'Something else entirely' },
      key,
    );
    expect(reused.status).toBe(422);
    expect(reused.headers.get('content-type')).toContain('application/problem+json');
    expect(((await reused.json()) as { code: string }).code).toBe('idempotency_key_reused');
    expect(await countJobs(stack)).toBe(1);
  });

  it('releases the key when the first request fails, so the corrected request can reuse it', async () => {
    stack = await startStack();
    const key = { 'idempotency-key': 'order-7433' };
    const invalid = await stack.request('POST', '/v1/plans', { ...plan, date: 'next tuesday' }, key);
    expect(invalid.status).toBe(400);
    const fixed = await stack.request('POST', '/v1/plans', plan, key);
    expect(fixed.status).toBe(202);
    expect(fixed.headers.get('idempotent-replayed')).toBeNull();
    expect(await countJobs(stack)).toBe(1);
  });

  it('creates exactly one job for identical requests sent at the same time', async () => {
    stack = await startStack();
    const key = { 'idempotency-key': 'order-7434' };
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => stack!.request('POST', '/v1/plans', plan, key)),
    );
    const fresh = answers.filter((a) => a.status === 202 && a.headers.get('idempotent-replayed') === null);
    expect(fresh).toHaveLength(1);
    const ids = new Set<string>();
    for (const answer of answers) {
      if (answer.status === 202) {
        ids.add(((await answer.json()) as { id: string }).id);
      } else {
        expect(answer.status).toBe(409);
        expect(answer.headers.get('retry-after')).toBe('1');
        expect(((await answer.json()) as { code: string }).code).toBe('idempotency_in_progress');
      }
    }
    expect(ids.size).toBe(1);
    expect(await countJobs(stack)).toBe(1);
  });

  it('answers 409 idempotency_in_progress while the first request with the key has not finished', async () => {
    stack = await startStack();
    // What an API replica leaves while it is still enqueueing the first request: a pending claim.
    const redis = testRedis(stack.prefix);
    const key = 'order-7435';
    const sha = (text: string) => createHash('sha256').update(text).digest('hex');
    const claim = `${hashTaggedPrefix(stack.prefix)}:idem:acme:${sha(key)}`;
    try {
      const second = await stack.request('POST', '/v1/plans', plan, { 'idempotency-key': key });
      expect(second.status).toBe(202); // claims and finishes: now make another request look in flight
      const stored = JSON.parse((await redis.get(claim))!) as {
        state: string;
        bodyHash: string;
        status: number;
      };
      expect(stored).toMatchObject({ state: 'done', status: 202 });
      expect(await redis.ttl(claim)).toBeGreaterThan(86_000);

      await redis.set(
        claim,
        JSON.stringify({ ...stored, state: 'pending', token: 'another-replica' }),
        'EX',
        60,
      );
      const inFlight = await stack.request('POST', '/v1/plans', plan, { 'idempotency-key': key });
      expect(inFlight.status).toBe(409);
      expect(inFlight.headers.get('retry-after')).toBe('1');
      expect(((await inFlight.json()) as { code: string }).code).toBe('idempotency_in_progress');
      expect(await countJobs(stack)).toBe(1);
    } finally {
      await closeRedis(redis);
    }
  });

  it('keeps keys apart per tenant, and treats requests without a key as new each time', async () => {
    stack = await startStack({ tenants: [{ tenant: 'globex', key: 'sk-test-globex-1234567890' }] });
    const key = { 'idempotency-key': 'shared-looking-key' };
    const a = await stack.request('POST', '/v1/plans', plan, key);
    const b = await stack.request('POST', '/v1/plans', plan, {
      ...key,
      authorization: 'Bearer sk-test-globex-1234567890',
    });
    expect(a.status).toBe(202);
    expect(b.status).toBe(202);
    expect(b.headers.get('idempotent-replayed')).toBeNull();
    // Without a key, the same body is simply a new request each time.
    expect((await stack.request('POST', '/v1/plans', plan)).status).toBe(202);
    expect(await countJobs(stack)).toBe(3);
  });
});
