import { type Instance, orderCandidates, Pool } from '@spillway/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { instance } from '../support/instances.js';
import { testRedis } from '../support/redis.js';
import { uniquePrefix } from '../support/tracked.js';

const MINUTE = 60_000;

describe('pool choice and reservation', () => {
  let now: number;
  let redis: ReturnType<typeof testRedis>;
  let pool: Pool;

  beforeEach(() => {
    now = 1_700_000_000_000;
    const prefix = uniquePrefix('pool');
    redis = testRedis(prefix);
    pool = new Pool({ redis, prefix, clock: () => now });
  });
  afterEach(async () => {
    await redis.quit();
  });

  const only = (...list: Instance[]) => orderCandidates(list, null);

  it('reserves up to the known rpm and then says when the window frees', async () => {
    const a = instance('p', 'm', { rpm: 3 });
    for (let i = 0; i < 3; i++) {
      const choice = await pool.choose(only(a), 10);
      expect(choice.kind).toBe('reserved');
      now += 1000;
    }
    const refused = await pool.choose(only(a), 10);
    expect(refused.kind).toBe('wait');
    // The first reservation was at t0; it leaves the window one minute (plus the guard) later.
    if (refused.kind === 'wait') {
      expect(refused.until).toBeGreaterThan(1_700_000_000_000 + MINUTE);
      expect(refused.until).toBeLessThan(1_700_000_000_000 + MINUTE + 2000);
      now = refused.until!;
    }
    expect((await pool.choose(only(a), 10)).kind).toBe('reserved');
  });

  it('never reserves more than the limit under concurrent choices', async () => {
    const a = instance('p', 'm', { rpm: 10 });
    const choices = await Promise.all(Array.from({ length: 50 }, () => pool.choose(only(a), 1)));
    expect(choices.filter((c) => c.kind === 'reserved')).toHaveLength(10);
  });

  it('choices asked for together (one script call) see each other, across different candidate lists', async () => {
    const a = instance('p1', 'm', { rpm: 3 });
    const b = instance('p2', 'm', { rpm: 3 });
    // Same turn of the event loop: one batch with two groups that share instance a.
    const choices = await Promise.all([
      ...Array.from({ length: 4 }, () => pool.choose(only(a), 1)),
      ...Array.from({ length: 4 }, () => pool.choose(only(a, b), 1)),
    ]);
    const on = (id: string) => choices.filter((c) => c.kind === 'reserved' && c.instance.id === id).length;
    expect(on('p1/m')).toBe(3);
    expect(on('p2/m')).toBe(3);
    expect(choices.filter((c) => c.kind === 'wait')).toHaveLength(2);
    const [stateA, stateB] = await pool.snapshot([a, b]);
    expect([stateA!.usage.minute.requests, stateB!.usage.minute.requests]).toEqual([3, 3]);
  });

  it('calls chosen together share one window entry: one given back or re-dated leaves the others counted', async () => {
    const a = instance('p', 'm', { rpm: 3 });
    const t0 = now;
    const [c1, c2, c3] = await Promise.all([1, 2, 3].map(() => pool.choose(only(a), 10)));
    if (c1?.kind !== 'reserved' || c2?.kind !== 'reserved' || c3?.kind !== 'reserved') {
      throw new Error('expected three reservations');
    }
    expect(new Set([c1.reservationId, c2.reservationId, c3.reservationId]).size).toBe(1);
    const requests = async () => (await pool.snapshot([a]))[0]!.usage.minute.requests;
    expect(await requests()).toBe(3);
    await pool.release(a, c1.reservationId);
    expect(await requests()).toBe(2);
    now = t0 + 5000;
    await pool.settleAnswered(c2, undefined); // slow: moves to its own entry, dated now
    expect(await requests()).toBe(2);
    now = t0 + MINUTE + 1000; // c3's entry has left the window, c2's re-dated one has not
    expect(await requests()).toBe(1);
  });

  it('re-dates a slow answer to when it arrived, so its window frees a minute after the answer', async () => {
    const a = instance('p', 'm', { rpm: 1 });
    const t0 = now;
    const c = await pool.choose(only(a), 1);
    if (c.kind !== 'reserved') throw new Error('expected a reservation');
    now = t0 + 5000; // the provider took 5 s: it may have counted the call at any time up to now
    await pool.settleAnswered(c, undefined);
    now = t0 + MINUTE + 1000; // past the reservation's window, not past the answer's
    const refused = await pool.choose(only(a), 1);
    expect(refused.kind === 'wait' && refused.until).toBeGreaterThan(t0 + 5000 + MINUTE);
  });

  it('leaves a fast answer dated at its reservation: the window guard covers it', async () => {
    const a = instance('p', 'm', { rpm: 1 });
    const t0 = now;
    const c = await pool.choose(only(a), 1);
    if (c.kind !== 'reserved') throw new Error('expected a reservation');
    expect(c).toMatchObject({ reservedAt: t0, tokensTracked: false });
    now = t0 + 100;
    await pool.settleAnswered(c, 160);
    // Just past the reservation's window and guard (750 ms), not past the answer's: re-dated to
    // the answer, the call would still be in the window here.
    now = t0 + MINUTE + 750 + 50;
    expect((await pool.choose(only(a), 1)).kind).toBe('reserved');
  });

  it('settles a fast answer whose tokens differ from the estimate where tokens are budgeted', async () => {
    const a = instance('p', 'm', { tpm: 1000 });
    const first = await pool.choose(only(a), 600);
    if (first.kind !== 'reserved') throw new Error('expected a reservation');
    expect(first.tokensTracked).toBe(true);
    await pool.settleAnswered(first, 200);
    expect((await pool.choose(only(a), 600)).kind).toBe('reserved');
  });

  it('budgets tokens per minute and settles them with the actual usage', async () => {
    const a = instance('p', 'm', { tpm: 1000 });
    const first = await pool.choose(only(a), 600);
    expect(first.kind).toBe('reserved');
    expect((await pool.choose(only(a), 600)).kind).toBe('wait');
    if (first.kind !== 'reserved') return;
    await pool.settle(a, first.reservationId, 200);
    expect((await pool.choose(only(a), 600)).kind).toBe('reserved');
    const [state] = await pool.snapshot([a]);
    expect(state!.usage.minute).toEqual({ requests: 2, tokens: 800 });
  });

  it('refuses an instance whose token window can never hold the call', async () => {
    const a = instance('p', 'm', { tpm: 100 });
    expect(await pool.choose(only(a), 500)).toEqual({ kind: 'wait', until: null, blocked: 0 });
  });

  it('skips a limited instance and never shortens a longer limit', async () => {
    const a = instance('p', 'm');
    await pool.markLimited(a, { scope: 'instance', window: 'day', retryAfterMs: 10 * MINUTE, reason: 'rpd' });
    const kept = await pool.markLimited(a, {
      scope: 'instance',
      window: 'minute',
      retryAfterMs: 5000,
      reason: 'rpm',
    });
    expect(kept).toBeGreaterThan(9 * MINUTE);
    const choice = await pool.choose(only(a), 1);
    expect(choice.kind).toBe('wait');
    const [state] = await pool.snapshot([a]);
    expect(state!.state).toBe('limited');
    expect(state!.reason).toBe('rpd');
  });

  it('while a sibling is rate limited, probes an instance of unknown limits a few calls at a time', async () => {
    const unknown = instance('p1', 'm');
    const limited = instance('p2', 'm');
    const list = only(unknown, limited);
    // Nothing limited: a burst all goes out.
    const free = await Promise.all(Array.from({ length: 5 }, () => pool.choose(list, 1)));
    expect(free.every((c) => c.kind === 'reserved')).toBe(true);
    now += 1000;
    await pool.markLimited(limited, {
      scope: 'instance',
      window: 'minute',
      retryAfterMs: 5000,
      reason: 'rpm',
    });
    // Limits are being hit: the instance whose limit nobody knows takes two calls per 100 ms, and the
    // rest are told to come back then, not sent into a limit that would refuse them all.
    const burst = await Promise.all(Array.from({ length: 5 }, () => pool.choose(list, 1)));
    expect(burst.map((c) => c.kind === 'reserved' && c.instance.id).filter(Boolean)).toEqual([
      'p1/m',
      'p1/m',
    ]);
    const waits = burst.filter((c) => c.kind === 'wait');
    expect(waits.map((c) => c.kind === 'wait' && c.until)).toEqual([now + 100, now + 100, now + 100]);
    now += 100;
    const next = await Promise.all(Array.from({ length: 3 }, () => pool.choose(list, 1)));
    expect(next.filter((c) => c.kind === 'reserved')).toHaveLength(2);
  });

  it('probing counts the calls sent in the last 100 ms across choices, and says when the oldest leaves', async () => {
    const unknown = instance('p1', 'm');
    const limited = instance('p2', 'm');
    const list = only(unknown, limited);
    await pool.markLimited(limited, {
      scope: 'instance',
      window: 'minute',
      retryAfterMs: 5000,
      reason: 'rpm',
    });
    const t0 = now;
    const first = await pool.choose(list, 1);
    now = t0 + 30;
    const second = await pool.choose(list, 1);
    for (const c of [first, second]) expect(c.kind === 'reserved' && c.instance.id).toBe('p1/m');
    now = t0 + 60;
    const third = await pool.choose(list, 1);
    expect(third).toMatchObject({ kind: 'wait', until: t0 + 100 });
    now = t0 + 100; // the first call has left the last 100 ms
    expect(await pool.choose(list, 1)).toMatchObject({ kind: 'reserved' });
    expect(await pool.choose(list, 1)).toMatchObject({ kind: 'wait', until: t0 + 130 });
  });

  it('a limited instance in a less preferred tier does not slow the preferred one', async () => {
    const primary = instance('p1', 'm', {}, { type: 'openai' });
    const fallback = instance('g', 'other', {}, { type: 'groq' });
    await pool.markLimited(fallback, {
      scope: 'instance',
      window: 'minute',
      retryAfterMs: 5000,
      reason: 'rpm',
    });
    const list = orderCandidates([primary, fallback], primary);
    const burst = await Promise.all(Array.from({ length: 5 }, () => pool.choose(list, 1)));
    expect(burst.every((c) => c.kind === 'reserved' && c.instance.id === 'p1/m')).toBe(true);
  });

  it('a sibling limited for the day does not slow the others (it says nothing about this minute)', async () => {
    const unknown = instance('p1', 'm');
    const limited = instance('p2', 'm');
    await pool.markLimited(limited, {
      scope: 'instance',
      window: 'day',
      retryAfterMs: 10 * MINUTE,
      reason: 'rpd',
    });
    const burst = await Promise.all(Array.from({ length: 5 }, () => pool.choose(only(unknown, limited), 1)));
    expect(burst.every((c) => c.kind === 'reserved')).toBe(true);
  });

  it('a model-wide limit blocks that model on every credential', async () => {
    const a = instance('p1', 'm', {}, { type: 'groq' });
    const b = instance('p2', 'm', {}, { type: 'groq' });
    const c = instance('p2', 'other', {}, { type: 'groq' });
    await pool.markLimited(a, { scope: 'model', window: 'minute', retryAfterMs: 5000, reason: 'rpm' });
    const choice = await pool.choose(orderCandidates([a, b, c], a), 1);
    expect(choice.kind === 'reserved' && choice.instance.id).toBe('p2/other');
  });

  it('prefers the same model on another credential, then the same type, then free, then any', async () => {
    const current = instance('g1', 'llama', {}, { type: 'groq' });
    const sameModel = instance('g2', 'llama', {}, { type: 'groq' });
    const sameType = instance('g1', 'mixtral', {}, { type: 'groq' });
    const free = instance('c1', 'x', {}, { type: 'cerebras', free: true });
    const paid = instance('o1', 'gpt', {}, { type: 'openai', free: false });
    const all = [paid, free, sameType, sameModel, current];
    await pool.markLimited(current, {
      scope: 'instance',
      window: 'minute',
      retryAfterMs: 5000,
      reason: 'rpm',
    });
    const picked: string[] = [];
    for (const next of [sameModel, sameType, free, paid]) {
      const choice = await pool.choose(orderCandidates(all, current), 1);
      expect(choice.kind).toBe('reserved');
      if (choice.kind === 'reserved') picked.push(choice.instance.id);
      await pool.markLimited(next, {
        scope: 'instance',
        window: 'minute',
        retryAfterMs: 5000,
        reason: 'rpm',
      });
    }
    expect(picked).toEqual(['g2/llama', 'g1/mixtral', 'c1/x', 'o1/gpt']);
  });

  it('a pinned model crosses credentials only, unless fallback is any', async () => {
    const a = instance('p1', 'm');
    const b = instance('p2', 'm');
    const other = instance('p1', 'n');
    expect(orderCandidates([a, b, other], null, { model: 'm' }).map((c) => c.instance.id)).toEqual([
      'p1/m',
      'p2/m',
    ]);
    expect(orderCandidates([a, b, other], null, { model: 'm', fallback: 'any' }).map((c) => c.tier)).toEqual([
      0, 0, 1,
    ]);
  });

  it('within a tier picks the instance with the most headroom', async () => {
    const busy = instance('p1', 'm', { rpm: 10 });
    const idle = instance('p2', 'm', { rpm: 10 });
    for (let i = 0; i < 5; i++) await pool.choose(only(busy), 1);
    const choice = await pool.choose(only(busy, idle), 1);
    expect(choice.kind === 'reserved' && choice.instance.id).toBe('p2/m');
  });

  it('learns an unknown minute limit from a rate-limit answer and budgets by it afterwards', async () => {
    const a = instance('p', 'm');
    const reservations: string[] = [];
    for (let i = 0; i < 5; i++) {
      const c = await pool.choose(only(a), 1);
      if (c.kind === 'reserved') reservations.push(c.reservationId);
    }
    // The fifth call was refused upstream: four fit the provider's window.
    await pool.markLimited(
      a,
      { scope: 'instance', window: 'minute', retryAfterMs: 1, reason: 'rpm' },
      reservations[4],
    );
    now += 10;
    expect((await pool.choose(only(a), 1)).kind).toBe('wait');
    const [state] = await pool.snapshot([a]);
    expect(state!.learned.rpm).toBe(4);
    now += MINUTE + 1000;
    // Limit keys expire in Redis's real time (the 1 ms one above), windows in the injected clock.
    await new Promise((r) => setTimeout(r, 5));
    expect((await pool.choose(only(a), 1)).kind).toBe('reserved');
  });

  it('honours a provider saying nothing remains until its reset', async () => {
    const a = instance('p', 'm');
    const c = await pool.choose(only(a), 1);
    if (c.kind !== 'reserved') throw new Error('expected a reservation');
    await pool.settle(a, c.reservationId, 5, [
      { what: 'requests', window: 'day', remaining: 0, resetMs: 30_000 },
    ]);
    const refused = await pool.choose(only(a), 1);
    expect(refused).toEqual({ kind: 'wait', until: now + 30_000, blocked: 1 });
  });

  it('a disabled instance is reported and never chosen, and serves again when its disable expires', async () => {
    const a = instance('p', 'm');
    await pool.disable(a, 'insufficient_quota', 60_000);
    // The disable's end is when capacity returns (a quota resets): a job waits for it.
    const waiting = await pool.choose(only(a), 1);
    expect(waiting).toMatchObject({ kind: 'wait', blocked: 1 });
    // Its TTL as Redis has it (a few ms may have passed since it was set).
    expect((waiting as { until: number }).until).toBeGreaterThan(now + 59_000);
    expect((waiting as { until: number }).until).toBeLessThanOrEqual(now + 60_000);
    const [state] = await pool.snapshot([a]);
    expect(state).toMatchObject({ state: 'disabled', reason: 'insufficient_quota' });
  });
});
