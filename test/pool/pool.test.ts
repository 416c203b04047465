import {
  type Choice,
  hashTaggedPrefix,
  type Instance,
  MAX_CHOICES_PER_CALL,
  MAX_SETTLEMENTS_PER_CALL,
  orderCandidates,
  Pool,
} from '@spillway/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { instance } from '../support/instances.js';
import { testRedis } from '../support/redis.js';
import { uniquePrefix } from '../support/tracked.js';

const MINUTE = 60_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/**
 * The pool's windows are dated by Redis's clock (TIME), not the caller's: tests that need a window
 * to pass use a pool whose "minute" lasts SHORT.ms and wait for it in real time.
 */
const SHORT = { ms: 1000, guardMs: 50 };
const SHORT_BUCKET = SHORT.ms / 60;

describe('pool choice and reservation', () => {
  let prefix: string;
  let redis: ReturnType<typeof testRedis>;
  let pool: Pool;
  let short: Pool;

  beforeEach(() => {
    prefix = uniquePrefix('pool');
    redis = testRedis(prefix);
    pool = new Pool({ redis, prefix });
    short = new Pool({ redis, prefix, minuteWindow: SHORT });
  });
  afterEach(async () => {
    await redis.quit();
  });

  const only = (...list: Instance[]) => orderCandidates(list, null);
  const minuteRequests = async (p: Pool, i: Instance) => (await p.snapshot([i]))[0]!.windows.minute.requests;
  const reserve = (c: Choice) => {
    if (c.kind !== 'reserved') throw new Error(`expected a reservation, got ${JSON.stringify(c)}`);
    return c;
  };

  it('reserves up to the known rpm and then says when the window frees', async () => {
    const a = instance('p', 'm', { rpm: 3 });
    const t0 = Date.now();
    for (let i = 0; i < 3; i++) expect((await short.choose(only(a), 10)).kind).toBe('reserved');
    const refused = await short.choose(only(a), 10);
    if (refused.kind !== 'wait' || refused.until === null) throw new Error('expected a wait');
    // The first call leaves one window, its guard and at most one bucket after it was made.
    expect(refused.until).toBeGreaterThanOrEqual(t0 + SHORT.ms + SHORT.guardMs - 5);
    expect(refused.until).toBeLessThanOrEqual(Date.now() + SHORT.ms + SHORT.guardMs + SHORT_BUCKET + 5);
    await sleep(refused.until - Date.now() + 5);
    expect((await short.choose(only(a), 10)).kind).toBe('reserved');
  });

  it('never reserves more than the limit under concurrent choices', async () => {
    const a = instance('p', 'm', { rpm: 10 });
    const choices = await Promise.all(Array.from({ length: 50 }, () => pool.choose(only(a), 1)));
    expect(choices.filter((c) => c.kind === 'reserved')).toHaveLength(10);
  });

  it('more choices in one turn than one script call takes: every one is answered, counted across the calls', async () => {
    const rpm = MAX_CHOICES_PER_CALL + 10; // the limit is reached inside the second script call
    const a = instance('p', 'm', { rpm });
    const choices = await Promise.all(
      Array.from({ length: Math.ceil(MAX_CHOICES_PER_CALL * 2.5) }, () => pool.choose(only(a), 1)),
    );
    expect(choices.filter((c) => c.kind === 'reserved')).toHaveLength(rpm);
    expect(choices.filter((c) => c.kind === 'wait')).toHaveLength(choices.length - rpm);
    expect((await minuteRequests(pool, a)).used).toBe(rpm);
  });

  it('more settlements in one turn than one script call takes: every one is written', async () => {
    // Every answer "slow" (60 s after its reservation), so each one is settled, with its actual tokens.
    const late = new Pool({ redis, prefix, clock: () => Date.now() + MINUTE });
    const a = instance('p', 'm', { rpm: 1000, tpm: 1_000_000 });
    const calls = Math.ceil(MAX_SETTLEMENTS_PER_CALL * 2.5);
    const choices = await Promise.all(Array.from({ length: calls }, () => late.choose(only(a), 10)));
    await Promise.all(choices.map((c) => late.settleAnswered(reserve(c), 20)));
    const [state] = await late.snapshot([a]);
    expect(state!.windows.minute.tokens.used).toBe(calls * 20);
    expect(state!.windows.minute.requests.used).toBe(calls);
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
    expect([stateA!.windows.minute.requests.used, stateB!.windows.minute.requests.used]).toEqual([3, 3]);
  });

  it('a reservation given back or re-dated moves one call: the others of its bucket stay counted', async () => {
    const window = { ms: 2000, guardMs: 50 };
    const p = new Pool({ redis, prefix, minuteWindow: window });
    const a = instance('p', 'm', { rpm: 3 });
    const t0 = Date.now();
    const [c1, c2, c3] = await Promise.all([1, 2, 3].map(() => p.choose(only(a), 10)));
    if (c1?.kind !== 'reserved' || c2?.kind !== 'reserved' || c3?.kind !== 'reserved') {
      throw new Error('expected three reservations');
    }
    // One bucket, one id: it names the bucket and the tokens, not the call.
    expect(new Set([c1.reservationId, c2.reservationId, c3.reservationId]).size).toBe(1);
    expect((await minuteRequests(p, a)).used).toBe(3);
    await p.release(a, c1.reservationId);
    expect((await minuteRequests(p, a)).used).toBe(2);
    await sleep(t0 + 1000 - Date.now());
    await p.settleAnswered(c2, undefined); // slow: moves to the bucket of its answer
    expect((await minuteRequests(p, a)).used).toBe(2);
    // c3's bucket has left the window (by t0 + 2000 + 50 + 34), c2's re-dated one has not (t0 + 3050).
    await sleep(t0 + 2500 - Date.now());
    expect((await minuteRequests(p, a)).used).toBe(1);
  });

  it('a fast answer needs no settlement: the window guard covers it', async () => {
    const a = instance('p', 'm', { rpm: 1 });
    const c = await pool.choose(only(a), 1);
    if (c.kind !== 'reserved') throw new Error('expected a reservation');
    expect(c).toMatchObject({ tokensTracked: false });
    expect(pool.settleAnswered(c, 160)).toBeUndefined();
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
    expect(state!.windows.minute.requests.used).toBe(2);
    expect(state!.windows.minute.tokens).toMatchObject({ used: 800, limit: 1000, source: 'configured' });
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

  it('probes an instance of unknown limits two calls in flight at a time: the rest wait for a call to end or a lease to lapse', async () => {
    const a = instance('p', 'm');
    const leaseMs = 400;
    const dying = new Pool({ redis, prefix, slots: { leaseMs } });
    // Two calls out, never answered (their worker died): the others are not sent after them.
    const t0 = Date.now();
    const burst = await Promise.all(Array.from({ length: 5 }, () => dying.choose(only(a), 1)));
    expect(burst.map((c) => c.kind === 'reserved' && c.holdsSlot)).toEqual([true, true, false, false, false]);
    // A later look is told to come back when their leases lapse, sooner than the 1 s recheck.
    const waiting = await pool.choose(only(a), 1);
    if (waiting.kind !== 'wait' || waiting.until === null) throw new Error('expected a wait with a time');
    expect(waiting.until).toBeLessThanOrEqual(t0 + leaseMs + 50);
    await sleep(waiting.until - Date.now() + 20);
    const again = await Promise.all(Array.from({ length: 3 }, () => pool.choose(only(a), 1)));
    expect(again.map((c) => c.kind)).toEqual(['reserved', 'reserved', 'wait']);
    // A live worker's calls hold theirs for minutes: the wait is the recheck, a second away.
    const recheck = again[2]!;
    if (recheck.kind !== 'wait' || recheck.until === null) throw new Error('expected a wait with a time');
    expect(recheck.until - Date.now()).toBeGreaterThan(900);
    expect(recheck.until - Date.now()).toBeLessThanOrEqual(1000);
  });

  it('a model-wide limit blocks that model on every credential', async () => {
    const a = instance('p1', 'm', {}, { type: 'groq' });
    const b = instance('p2', 'm', {}, { type: 'groq' });
    const c = instance('p2', 'other', {}, { type: 'groq' });
    await pool.markLimited(a, { scope: 'model', window: 'minute', retryAfterMs: 5000, reason: 'rpm' });
    const choice = await pool.choose(orderCandidates([a, b, c], a), 1);
    expect(choice.kind === 'reserved' && choice.instance.id).toBe('p2/other');
  });

  it("a credential's free-model allowance blocks its :free models only, not its paid ones", async () => {
    const freeA = instance('or', 'llama:free', {}, { type: 'openrouter' });
    const freeB = instance('or', 'qwen:free', {}, { type: 'openrouter' });
    const paid = instance('or', 'gpt', {}, { type: 'openrouter' });
    await pool.markLimited(freeA, {
      scope: 'free-models',
      window: 'day',
      retryAfterMs: 10 * MINUTE,
      reason: 'free-models-per-day',
    });
    expect((await pool.choose(only(freeA, freeB), 1)).kind).toBe('wait');
    const choice = await pool.choose(only(freeA, freeB, paid), 1);
    expect(choice.kind === 'reserved' && choice.instance.id).toBe('or/gpt');
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
    // Four calls answered (each settled, as a worker does), then the fifth refused upstream.
    for (let i = 0; i < 4; i++)
      await short.settleAnswered(reserve(await short.choose(only(a), 1)), undefined);
    const refused = reserve(await short.choose(only(a), 1));
    await short.markLimited(
      a,
      { scope: 'instance', window: 'minute', measure: 'requests', retryAfterMs: 1, reason: 'rpm' },
      refused.reservationId,
    );
    expect((await short.choose(only(a), 1)).kind).toBe('wait');
    expect(await minuteRequests(short, a)).toMatchObject({ limit: 4, source: 'learned', used: 4 });
    // The window (1 s + guard + a bucket) passes, and the 1 ms limit key long before.
    await sleep(SHORT.ms + SHORT.guardMs + SHORT_BUCKET + 50);
    expect((await short.choose(only(a), 1)).kind).toBe('reserved');
  });

  it('honours a provider saying nothing remains until its reset', async () => {
    const a = instance('p', 'm');
    const c = await pool.choose(only(a), 1);
    if (c.kind !== 'reserved') throw new Error('expected a reservation');
    await pool.settle(a, c.reservationId, 5, [
      { what: 'requests', window: 'day', remaining: 0, resetMs: 30_000 },
    ]);
    const refused = await pool.choose(only(a), 1);
    if (refused.kind !== 'wait' || refused.until === null) throw new Error('expected a wait');
    expect(refused.until - Date.now()).toBeGreaterThan(28_000);
    expect(refused.until - Date.now()).toBeLessThanOrEqual(30_000);
    expect(refused.blocked).toBe(1);
  });

  it('a disabled instance is reported and never chosen; it is promised back when its disable expires', async () => {
    const a = instance('p', 'm');
    await pool.disable(a, 'insufficient_quota', 60_000);
    const choice = await pool.choose(only(a), 1);
    expect(choice).toMatchObject({ kind: 'wait', blocked: 1 });
    // The disable is a time the quota returns (Redis's clock; this machine's is the same one).
    const until = choice.kind === 'wait' ? choice.until : null;
    expect(until).not.toBeNull();
    expect(Math.abs(until! - (Date.now() + 60_000))).toBeLessThan(2_000);
    const [state] = await pool.snapshot([a]);
    expect(state).toMatchObject({ state: 'disabled', reason: 'insufficient_quota' });
  });

  describe('learning keeps facts apart', () => {
    const limitOf = async (p: Pool, i: Instance) => (await p.snapshot([i]))[0]!.windows;
    /** `n` calls reserved one after another and left in flight. */
    const reserveN = async (p: Pool, i: Instance, n: number, tokens = 10) => {
      const ids: string[] = [];
      for (let k = 0; k < n; k++) ids.push(reserve(await p.choose(only(i), tokens)).reservationId);
      return ids;
    };
    /**
     * `n` calls each answered (settled with the tokens reserved) before the next, as a worker does:
     * an instance whose rpm nobody knows takes only two calls in flight beyond those it has seen
     * accepted.
     */
    const answerN = async (p: Pool, i: Instance, n: number, tokens = 10) => {
      for (let k = 0; k < n; k++)
        await p.settle(i, reserve(await p.choose(only(i), tokens)).reservationId, tokens);
    };

    it('a token-per-minute 429 is learned as a token limit, never as a request limit', async () => {
      const a = instance('p', 'm');
      await answerN(pool, a, 2, 100);
      const [refused] = await reserveN(pool, a, 1, 100);
      await pool.markLimited(
        a,
        { scope: 'instance', window: 'minute', measure: 'tokens', retryAfterMs: 5000, reason: 'tpm' },
        refused,
      );
      const windows = await limitOf(pool, a);
      expect(windows.minute.requests).toMatchObject({ limit: null, source: null });
      expect(windows.minute.tokens).toMatchObject({ limit: 200, source: 'learned' });
      expect(windows.day.requests.limit).toBeNull();
    });

    it("a 429 scoped to the model or the credential is not learned as this instance's limit", async () => {
      const a = instance('p', 'm');
      await answerN(pool, a, 2);
      const ids = await reserveN(pool, a, 2);
      for (const [scope, refused] of [
        ['model', ids[0]],
        ['credential', ids[1]],
      ] as const) {
        await pool.markLimited(
          a,
          { scope, window: 'minute', measure: 'requests', retryAfterMs: 5000, reason: scope },
          refused,
        );
      }
      expect((await limitOf(pool, a)).minute.requests).toMatchObject({ limit: null, source: null });
    });

    it("a learned limit rises when the provider's headers state more, and a repeated 429 does not extend it", async () => {
      const a = instance('p', 'm');
      // Four calls answered, two more out: the provider refuses one while the other is in flight.
      // It took four: the window teaches 4 (the call in flight it may not have counted yet).
      await answerN(pool, a, 4);
      const [inFlight, refused] = await reserveN(pool, a, 2);
      const refuse = (reservationId: string) =>
        pool.markLimited(
          a,
          { scope: 'instance', window: 'minute', measure: 'requests', retryAfterMs: 0, reason: 'rpm' },
          reservationId,
        );
      await refuse(refused!);
      expect((await limitOf(pool, a)).minute.requests).toMatchObject({
        limit: 4,
        source: 'learned',
        used: 5,
      });
      const key = `${hashTaggedPrefix(prefix)}:pool:limits:${a.id}`;
      const expiry = await redis.hget(key, 'rpm:l@');
      await sleep(20);
      await refuse(''); // another 429 at the same four calls: the same fact, not a new one
      expect(await redis.hget(key, 'rpm:l@')).toBe(expiry);
      // The call in flight is answered, its headers stating the limit.
      await pool.settle(a, inFlight!, 10, [{ what: 'requests', window: 'minute', limit: 10, remaining: 5 }]);
      expect((await limitOf(pool, a)).minute.requests).toMatchObject({ limit: 10, source: 'header' });
    });

    it("limits stated by the provider's headers beat the catalog's, not the operator's own", async () => {
      const fromCatalog: Instance = { ...instance('p1', 'm', { rpm: 60 }), limitsSource: 'catalog' };
      const configured = instance('p2', 'm', { rpm: 60 });
      for (const i of [fromCatalog, configured]) {
        const [id] = await reserveN(pool, i, 1);
        await pool.settle(i, id!, 10, [{ what: 'requests', window: 'minute', limit: 30, remaining: 29 }]);
      }
      expect((await limitOf(pool, fromCatalog)).minute.requests).toMatchObject({
        limit: 30,
        source: 'header',
      });
      expect((await limitOf(pool, configured)).minute.requests).toMatchObject({
        limit: 60,
        source: 'configured',
      });
    });

    it('the tightest live remaining hint wins, each with its own reset', async () => {
      const a = instance('p', 'm');
      const [first, second] = await reserveN(pool, a, 2);
      await pool.settle(a, first!, 5, [{ what: 'requests', window: 'day', remaining: 0, resetMs: 30_000 }]);
      // A later answer about the minute, with room: the day's empty budget still holds.
      await pool.settle(a, second!, 5, [
        { what: 'requests', window: 'minute', remaining: 50, resetMs: 5_000 },
      ]);
      const refused = await pool.choose(only(a), 1);
      expect(refused.kind === 'wait' && refused.until! - Date.now()).toBeGreaterThan(25_000);
    });

    it('a later report of more room in the same budget does not loosen a tighter live hint', async () => {
      const a = instance('p', 'm');
      const [first, second] = await reserveN(pool, a, 2);
      await pool.settle(a, first!, 5, [
        { what: 'requests', window: 'minute', remaining: 0, resetMs: 30_000 },
      ]);
      // Answered later but counted earlier (answers overtake each other): it cannot undo the empty budget.
      await pool.settle(a, second!, 5, [
        { what: 'requests', window: 'minute', remaining: 5, resetMs: 30_000 },
      ]);
      expect((await pool.choose(only(a), 1)).kind).toBe('wait');
    });

    it('a remaining hint counts the calls reserved since it came', async () => {
      // A known rpm: the hint alone holds the burst (an unknown one would also be probed).
      const a = instance('p', 'm', { rpm: 100 });
      const [id] = await reserveN(pool, a, 1);
      await pool.settle(a, id!, 5, [{ what: 'requests', window: 'minute', remaining: 2, resetMs: 30_000 }]);
      const burst = await Promise.all([1, 2, 3].map(() => pool.choose(only(a), 1)));
      expect(burst.map((c) => c.kind)).toEqual(['reserved', 'reserved', 'wait']);
    });
  });

  describe('rate-limit cooldowns', () => {
    const limitKey = (i: Instance) => `${hashTaggedPrefix(prefix)}:pool:limit:i:${i.id}`;
    const refuse = (p: Pool, i: Instance, retryAfterMs: number) =>
      p.markLimited(i, { scope: 'instance', window: 'unknown', retryAfterMs, reason: 'rate limited' });

    it('a zero, negative or past retry-after is not a 1 ms cooldown: it waits at least 1 s', async () => {
      for (const [k, hint] of [0, -5000, Date.now() - Date.parse('2020-01-01')].map(
        (h, i) => [i, -Math.abs(h)] as const,
      )) {
        const a = instance(`p${k}`, 'm');
        const held = await refuse(pool, a, hint);
        expect(held).toBeGreaterThanOrEqual(1000);
        expect(held).toBeLessThanOrEqual(1000);
        expect((await pool.choose(only(a), 1)).kind).toBe('wait');
      }
    });

    it('repeated 429s back off, doubling up to a minute window; those that come while limited do not count', async () => {
      const a = instance('p', 'm');
      const floors: number[] = [];
      for (let strike = 0; strike < 8; strike++) {
        floors.push(await refuse(short, a, 0));
        // Calls in flight when the limit came, refused too: the same strike.
        expect(await refuse(short, a, 0)).toBeLessThanOrEqual(floors.at(-1)!);
        await redis.del(limitKey(a)); // as if the limit had run out
      }
      // 1/60 of the (short) minute, doubling, up to the minute: 1 s ... 60 s in production.
      expect(floors).toEqual([16, 32, 64, 128, 256, 512, 1000, 1000]);
    });

    it('a quiet spell resets the backoff', async () => {
      const a = instance('p', 'm');
      expect(await refuse(short, a, 0)).toBe(16);
      await sleep(50);
      expect(await refuse(short, a, 0)).toBe(32);
      // Quiet for two (short) minute windows after the last strike.
      await sleep(2 * SHORT.ms + 200);
      expect(await refuse(short, a, 0)).toBe(16);
    });
  });
});
