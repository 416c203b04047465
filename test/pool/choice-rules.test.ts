import {
  type Choice,
  hashTaggedPrefix,
  type Instance,
  type LimitNotice,
  orderCandidates,
  Pool,
} from '@spillway/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { instance } from '../support/instances.js';
import { testRedis } from '../support/redis.js';
import { uniquePrefix } from '../support/tracked.js';

/**
 * The rules of DESIGN.md's pool, as its Lua enforces them, through the public Pool API only (so
 * these tests hold whatever the scripts look like inside). Each test is written to fail on a named
 * way of breaking the rule (scripts/lua-mutations.json lists them; `npm run mutate` checks).
 * Windows follow the injected clock; limit keys expire in Redis's own time.
 */
const MINUTE = 60_000;
const T0 = 1_700_000_000_000;
/**
 * Windows are dated by Redis's clock (TIME), not the caller's: a test that needs a window to pass
 * uses a pool whose "minute" lasts SHORT.ms (its guard and buckets shortened alike) and waits in
 * real time. It asserts only lower bounds on time (it waited at least so long), never speed.
 */
const SHORT = { ms: 1000, guardMs: 400 };
const SHORT_BUCKET = SHORT.ms / 60;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

describe('the choice rules of the pool', () => {
  let now: number;
  let prefix: string;
  let pool: Pool;
  const connections: Array<ReturnType<typeof testRedis>> = [];

  const poolOnOwnConnection = (role: string) => {
    const redis = testRedis(prefix, role);
    connections.push(redis);
    return new Pool({ redis, prefix, clock: () => now });
  };

  /** A pool on the shortened minute, on the real clock. */
  const shortPool = () => {
    const redis = testRedis(prefix, 'short');
    connections.push(redis);
    return new Pool({ redis, prefix, minuteWindow: SHORT });
  };

  beforeEach(() => {
    now = T0;
    prefix = uniquePrefix('rules');
    pool = poolOnOwnConnection('pool');
  });
  afterEach(async () => {
    await Promise.all(connections.splice(0).map((redis) => redis.quit()));
  });

  const only = (...list: Instance[]) => orderCandidates(list, null);
  const minuteLimit = (retryAfterMs: number, scope: LimitNotice['scope'] = 'instance'): LimitNotice => ({
    scope,
    window: 'minute',
    retryAfterMs,
    reason: 'rate limited (minute)',
  });
  const chosenId = (choice: Choice) => (choice.kind === 'reserved' ? choice.instance.id : choice.kind);
  const reserved = (choice: Choice) => {
    if (choice.kind !== 'reserved') throw new Error(`expected a reservation, got ${JSON.stringify(choice)}`);
    return choice;
  };
  /** `count` calls on `target`, one script call each, without leaving the clock's moment. */
  const use = async (target: Instance, count: number, on = pool) => {
    for (let i = 0; i < count; i++) reserved(await on.choose(only(target), 1));
  };
  /**
   * `count` calls on `target`, each answered and settled before the next, as a worker does: on an
   * instance whose rpm nobody knows no call stays in flight, so probing never holds one back.
   */
  const serve = async (target: Instance, count: number, on = pool) => {
    for (let i = 0; i < count; i++)
      await on.settleAnswered(reserved(await on.choose(only(target), 1)), undefined);
  };
  /** `count` choices in one script call (the same turn of the event loop). */
  const burst = (list: ReturnType<typeof only>, count: number, on = pool) =>
    Promise.all(Array.from({ length: count }, () => on.choose(list, 1)));
  const stateOf = async (target: Instance) => (await pool.snapshot([target]))[0]!;
  /** Calls and tokens counted in the instance's minute window now. */
  const minuteUsed = async (target: Instance) => {
    const { minute } = (await stateOf(target)).windows;
    return { requests: minute.requests.used, tokens: minute.tokens.used };
  };
  /** The limits in force that the pool learned (from 429s) or was told (by headers). */
  const learnedOf = async (target: Instance) => {
    const { minute, day } = (await stateOf(target)).windows;
    const found: Partial<Record<'rpm' | 'tpm' | 'rpd' | 'tpd', number>> = {};
    const measures = { rpm: minute.requests, tpm: minute.tokens, rpd: day.requests, tpd: day.tokens };
    for (const [name, w] of Object.entries(measures)) {
      if (w.limit !== null && (w.source === 'learned' || w.source === 'header')) {
        found[name as keyof typeof found] = w.limit;
      }
    }
    return found;
  };

  describe('tiers', () => {
    // Anchored on `current` (limited): same model on another credential is tier 0, same type tier 1.
    const current = instance('g1', 'llama', { rpm: 10 }, { type: 'groq' });
    const sameModel = instance('g2', 'llama', { rpm: 10 }, { type: 'groq' });
    const sameType = instance('g1', 'mixtral', { rpm: 10 }, { type: 'groq' });

    it('an eligible instance of a preferred tier wins over a less preferred one with more headroom', async () => {
      await use(sameModel, 6); // 3 of 10 left
      const list = orderCandidates([current, sameModel, sameType], current);
      await pool.markLimited(current, minuteLimit(30_000));
      expect(list.map((c) => [c.instance.id, c.tier])).toEqual([
        ['g1/llama', 0],
        ['g2/llama', 0],
        ['g1/mixtral', 1],
      ]);
      expect(chosenId(await pool.choose(list, 1))).toBe('g2/llama');
    });

    it('with limits unknown, the preferred tier wins though it served more calls this minute', async () => {
      const busy = instance('g2', 'llama', {}, { type: 'groq' });
      const idle = instance('g1', 'mixtral', {}, { type: 'groq' });
      await serve(busy, 3);
      expect(chosenId(await pool.choose(orderCandidates([busy, idle], busy), 1))).toBe('g2/llama');
    });

    it('leaves a tier only when none of its instances can serve, then takes the next tier', async () => {
      const list = orderCandidates([current, sameModel, sameType], current);
      await pool.markLimited(current, minuteLimit(30_000));
      await use(sameModel, 10);
      expect(chosenId(await pool.choose(list, 1))).toBe('g1/mixtral');
    });

    it('within a tier the most headroom wins; with limits unknown, the fewest calls this minute', async () => {
      const fuller = instance('p1', 'm', { rpm: 10 });
      const emptier = instance('p2', 'm', { rpm: 10 });
      await use(fuller, 5);
      await use(emptier, 2);
      expect(chosenId(await pool.choose(only(fuller, emptier), 1))).toBe('p2/m');

      const busy = instance('q1', 'm');
      const quiet = instance('q2', 'm');
      await serve(busy, 3);
      await serve(quiet, 1);
      expect(chosenId(await pool.choose(only(busy, quiet), 1))).toBe('q2/m');
    });
  });

  describe('limit scopes', () => {
    it('a credential-wide limit blocks every model of that credential until it ends, and no other credential', async () => {
      const llama = instance('groq-main', 'llama', {}, { type: 'groq' });
      const mixtral = instance('groq-main', 'mixtral', {}, { type: 'groq' });
      const otherKey = instance('groq-2', 'llama', {}, { type: 'groq' });
      await pool.markLimited(llama, minuteLimit(30_000, 'credential'));

      for (const blocked of [llama, mixtral]) {
        const choice = await pool.choose(only(blocked), 1);
        expect(choice.kind, blocked.id).toBe('wait');
        if (choice.kind === 'wait') {
          expect(choice.until).toBeGreaterThan(now + 25_000);
          expect(choice.until).toBeLessThanOrEqual(now + 30_000);
          expect(choice.blocked).toBe(1);
        }
      }
      expect(chosenId(await pool.choose(only(otherKey), 1))).toBe('groq-2/llama');
      const states = await pool.snapshot([llama, mixtral, otherKey]);
      expect(states.map((s) => [s.id, s.state, s.reason])).toEqual([
        ['groq-main/llama', 'limited', 'rate limited (minute)'],
        ['groq-main/mixtral', 'limited', 'rate limited (minute)'],
        ['groq-2/llama', 'available', null],
      ]);
    });

    it('a model-wide limit blocks that model on every credential, and no other model', async () => {
      const a = instance('p1', 'm', {}, { type: 'groq' });
      const b = instance('p2', 'm', {}, { type: 'groq' });
      const other = instance('p1', 'n', {}, { type: 'groq' });
      const sameNameOtherType = instance('c1', 'm', {}, { type: 'cerebras' });
      await pool.markLimited(a, minuteLimit(30_000, 'model'));
      expect((await pool.choose(only(a), 1)).kind).toBe('wait');
      expect((await pool.choose(only(b), 1)).kind).toBe('wait');
      expect(chosenId(await pool.choose(only(other), 1))).toBe('p1/n');
      expect(chosenId(await pool.choose(only(sameNameOtherType), 1))).toBe('c1/m');
      const states = await pool.snapshot([a, b, other]);
      expect(states.map((s) => s.state)).toEqual(['limited', 'limited', 'available']);
    });

    it('an instance limit blocks that instance only', async () => {
      const a = instance('p1', 'm');
      const b = instance('p2', 'm');
      await pool.markLimited(a, minuteLimit(30_000));
      expect((await pool.choose(only(a), 1)).kind).toBe('wait');
      expect(chosenId(await pool.choose(only(b), 1))).toBe('p2/m');
    });

    it('a longer limit is never shortened by a shorter one, and a longer one extends a shorter one', async () => {
      const a = instance('p', 'm');
      expect(await pool.markLimited(a, minuteLimit(30_000))).toBeGreaterThan(29_000);
      const kept = await pool.markLimited(a, minuteLimit(5_000));
      expect(kept).toBeGreaterThan(25_000);
      const extended = await pool.markLimited(a, minuteLimit(120_000));
      expect(extended).toBe(120_000);
      const wait = await pool.choose(only(a), 1);
      expect(wait.kind === 'wait' && wait.until).toBeGreaterThan(now + 100_000);
      expect((await stateOf(a)).limitedUntil).not.toBeNull();
    });

    it('a disabled instance is never chosen, and is promised back only when its disable expires', async () => {
      const a = instance('p', 'm');
      const b = instance('q', 'm');
      await pool.disable(a, 'insufficient_quota', 60_000);
      const choice = await pool.choose(only(a), 1);
      expect(choice).toMatchObject({ kind: 'wait', blocked: 1 });
      const until = choice.kind === 'wait' ? choice.until : null;
      expect(until! - now).toBeGreaterThan(55_000);
      expect(chosenId(await pool.choose(only(a, b), 1))).toBe('q/m');
    });
  });

  describe('windows', () => {
    it('reserves exactly the known rpm, and the window frees a minute and its guard after the oldest call', async () => {
      const short = shortPool();
      const a = instance('p', 'm', { rpm: 3 });
      const t0 = Date.now();
      await use(a, 3, short);
      const refused = await short.choose(only(a), 1);
      if (refused.kind !== 'wait' || refused.until === null) throw new Error('expected a wait');
      expect(refused.blocked).toBe(1);
      expect(refused.until).toBeGreaterThanOrEqual(t0 + SHORT.ms + SHORT.guardMs - 5);
      // Past the window, inside its guard: the provider may still count the first call.
      await sleep(t0 + SHORT.ms + SHORT.guardMs / 4 - Date.now());
      expect((await short.choose(only(a), 1)).kind).toBe('wait');
      await sleep(refused.until - Date.now() + 5);
      // The calls of the first bucket have left (all three, if they shared it): never more than 3 again.
      const again = await Promise.all(Array.from({ length: 5 }, () => short.choose(only(a), 1)));
      const count = again.filter((c) => c.kind === 'reserved').length;
      expect(count).toBeGreaterThanOrEqual(1);
      expect(count).toBeLessThanOrEqual(3);
      // A first call in a later bucket may still count: never more than the rpm either way.
      const used = (await short.snapshot([a]))[0]!.windows.minute.requests.used;
      expect(used).toBeGreaterThanOrEqual(count);
      expect(used).toBeLessThanOrEqual(3);
    });

    it('a daily limit counts across minutes', async () => {
      const a = instance('p', 'm', { rpd: 2 });
      await use(a, 1);
      now += 10 * MINUTE;
      await use(a, 1);
      now += 10 * MINUTE;
      const refused = await pool.choose(only(a), 1);
      expect(refused.kind === 'wait' && refused.until).toBeGreaterThan(T0 + 86_400_000);
    });

    it('budgets tokens exactly to the limit, and a call that can never fit is told so', async () => {
      const a = instance('p', 'm', { tpm: 100 });
      const first = reserved(await pool.choose(only(a), 50));
      expect(first.tokensTracked).toBe(true);
      reserved(await pool.choose(only(a), 50));
      expect((await pool.choose(only(a), 1)).kind).toBe('wait');
      expect(await pool.choose(only(instance('q', 'm', { tpm: 100 })), 101)).toEqual({
        kind: 'wait',
        until: null,
        blocked: 0,
      });
      expect(await minuteUsed(a)).toEqual({ requests: 2, tokens: 100 });
    });

    it('settles a call with the tokens it really used', async () => {
      const a = instance('p', 'm', { tpm: 1000 });
      const first = reserved(await pool.choose(only(a), 600));
      expect((await pool.choose(only(a), 600)).kind).toBe('wait');
      await pool.settle(a, first.reservationId, 200);
      expect(await minuteUsed(a)).toEqual({ requests: 1, tokens: 200 });
      reserved(await pool.choose(only(a), 600));
    });

    it('a slow answer counts until a minute after it arrived, not after the call was sent', async () => {
      const short = shortPool();
      const a = instance('p', 'm', { rpm: 1 });
      const t0 = Date.now();
      const c = reserved(await short.choose(only(a), 1));
      await sleep(t0 + 700 - Date.now()); // the provider took 700 ms to answer
      const answeredAt = Date.now();
      await short.settleAnswered(c, undefined);
      // Past the call's window and guard, not the answer's.
      await sleep(t0 + SHORT.ms + SHORT.guardMs + 2 * SHORT_BUCKET - Date.now());
      const refused = await short.choose(only(a), 1);
      if (refused.kind !== 'wait' || refused.until === null) throw new Error('expected a wait');
      expect(refused.until).toBeGreaterThanOrEqual(answeredAt + SHORT.ms + SHORT.guardMs - 5);
      await sleep(refused.until - Date.now() + 5);
      reserved(await short.choose(only(a), 1));
    });

    it('a reservation given back frees its slot at once', async () => {
      const a = instance('p', 'm', { rpm: 1 });
      const c = reserved(await pool.choose(only(a), 1));
      expect((await pool.choose(only(a), 1)).kind).toBe('wait');
      await pool.release(a, c.reservationId);
      expect((await minuteUsed(a)).requests).toBe(0);
      reserved(await pool.choose(only(a), 1));
    });

    it('a refused call (429) is given back: the provider did not count it', async () => {
      const a = instance('p', 'm', { rpm: 10 });
      await use(a, 2);
      const refused = reserved(await pool.choose(only(a), 1));
      await pool.markLimited(a, minuteLimit(1), refused.reservationId);
      expect((await minuteUsed(a)).requests).toBe(2);
    });

    it('a provider saying nothing remains holds the instance until its reset, and only until then', async () => {
      const a = instance('p', 'm');
      const c = reserved(await pool.choose(only(a), 1));
      await pool.settle(a, c.reservationId, 5, [
        { what: 'requests', window: 'day', remaining: 0, resetMs: 30_000 },
      ]);
      const held = await pool.choose(only(a), 1);
      expect(held).toMatchObject({ kind: 'wait', blocked: 1 });
      const until = held.kind === 'wait' ? held.until! : 0;
      expect(until - now).toBeGreaterThan(25_000);
      expect(until - now).toBeLessThanOrEqual(30_000);
      const b = instance('q', 'm');
      const d = reserved(await pool.choose(only(b), 1));
      await pool.settle(b, d.reservationId, 5, [
        { what: 'requests', window: 'day', remaining: 1, resetMs: 30_000 },
      ]);
      reserved(await pool.choose(only(b), 1));
    });

    it('separate pools on separate connections, choosing at once, never reserve more than the limit between them', async () => {
      const a = instance('p', 'm', { rpm: 10 });
      // Twenty pools: twenty script calls racing on the server, each seeing what the others wrote.
      const pools = Array.from({ length: 20 }, (_, i) => poolOnOwnConnection(`pool${i}`));
      const choices = await Promise.all(
        pools.flatMap((p) => Array.from({ length: 3 }, () => p.choose(only(a), 1))),
      );
      expect(choices.filter((c) => c.kind === 'reserved')).toHaveLength(10);
      expect((await minuteUsed(a)).requests).toBe(10);
      // Across calls over time too: one more call, from a pool of its own, still finds it full.
      expect((await poolOnOwnConnection('late').choose(only(a), 1)).kind).toBe('wait');
    });
    it('a remaining hint lapses at its reset', async () => {
      const short = shortPool();
      const a = instance('p', 'm');
      const c = reserved(await short.choose(only(a), 1));
      const t0 = Date.now();
      await short.settle(a, c.reservationId, 5, [
        { what: 'requests', window: 'minute', remaining: 0, resetMs: 300 },
      ]);
      expect((await short.choose(only(a), 1)).kind).toBe('wait');
      await sleep(t0 + 350 - Date.now());
      reserved(await short.choose(only(a), 1));
    });

    it("a requests hint is spent one per call, whatever the call's tokens", async () => {
      const a = instance('p', 'm');
      const c = reserved(await pool.choose(only(a), 1));
      await pool.settle(a, c.reservationId, 5, [
        { what: 'requests', window: 'minute', remaining: 2, resetMs: 30_000 },
      ]);
      const burst = await Promise.all([1, 2, 3].map(() => pool.choose(only(a), 500)));
      expect(burst.map((choice) => choice.kind)).toEqual(['reserved', 'reserved', 'wait']);
    });

    it('calls reserved since a hint count against it in later script calls too', async () => {
      // A known rpm far above the traffic: the hint, not probing, is what stops the calls.
      const a = instance('p', 'm', { rpm: 1000 });
      const c = reserved(await pool.choose(only(a), 1));
      await pool.settle(a, c.reservationId, 5, [
        { what: 'tokens', window: 'minute', remaining: 250, resetMs: 30_000 },
      ]);
      // One script call each: what the first two took must be written back to the hint.
      reserved(await pool.choose(only(a), 100));
      reserved(await pool.choose(only(a), 100));
      expect((await pool.choose(only(a), 100)).kind).toBe('wait');
      reserved(await pool.choose(only(a), 50));
    });

    it('a report that comes after a hint lapsed replaces it, even one that says more is left', async () => {
      const short = shortPool();
      const a = instance('p', 'm');
      const [c1, c2] = [reserved(await short.choose(only(a), 1)), reserved(await short.choose(only(a), 1))];
      const t0 = Date.now();
      // A second, longer hint keeps the hash (and so the lapsed field) in Redis.
      await short.settle(a, c1.reservationId, 5, [
        { what: 'requests', window: 'minute', remaining: 0, resetMs: 200 },
        { what: 'tokens', window: 'day', remaining: 1_000_000, resetMs: 30_000 },
      ]);
      await sleep(t0 + 250 - Date.now());
      await short.settle(a, c2.reservationId, 5, [
        { what: 'requests', window: 'minute', remaining: 1, resetMs: 30_000 },
      ]);
      reserved(await short.choose(only(a), 1));
      expect((await short.choose(only(a), 1)).kind).toBe('wait');
    });
  });

  describe('probing instances whose limits nobody knows', () => {
    /** Every reservation of a burst answered, as a worker settles them (together, in one script call). */
    const answerAll = (choices: Choice[], on = pool) =>
      Promise.all(choices.flatMap((c) => (c.kind === 'reserved' ? [on.settleAnswered(c, undefined)] : [])));

    it('takes two calls in flight, each holding a lease; the next waits a slot recheck (1 s), not sent into an unknown limit', async () => {
      const a = instance('p', 'm');
      const first = await burst(only(a), 5);
      expect(first.map(chosenId)).toEqual(['p/m', 'p/m', 'wait', 'wait', 'wait']);
      expect(first.map((c) => c.kind === 'reserved' && c.holdsSlot)).toEqual([
        true,
        true,
        false,
        false,
        false,
      ]);
      // No lease lapses for minutes: the wait is the recheck (a call's end wakes the waiting sooner).
      expect(first[2]).toEqual({ kind: 'wait', until: now + 1000, blocked: 1 });
      // Each end of a call frees its lease: an answer, or a call given back, lets one more in.
      await pool.settleAnswered(reserved(first[0]!), undefined);
      expect((await burst(only(a), 2)).map(chosenId)).toEqual(['p/m', 'wait']);
      await pool.release(a, reserved(first[1]!).reservationId);
      expect((await burst(only(a), 2)).map(chosenId)).toEqual(['p/m', 'wait']);
    });

    it('answered calls raise the known-good count: the next window takes that many at once, then two in flight beyond it', async () => {
      const short = shortPool();
      const a = instance('p', 'm');
      const round1 = await burst(only(a), 3, short);
      expect(round1.map(chosenId)).toEqual(['p/m', 'p/m', 'wait']);
      await answerAll(round1, short);
      // Two accepted in this window: beyond them, two in flight again.
      const round2 = await burst(only(a), 3, short);
      expect(round2.map(chosenId)).toEqual(['p/m', 'p/m', 'wait']);
      await answerAll(round2, short);
      // Four accepted in one window. They leave it (an answer dates a call)...
      await sleep(SHORT.ms + SHORT.guardMs + 2 * SHORT_BUCKET + 50);
      expect((await short.snapshot([a]))[0]!.windows.minute.requests.used).toBe(0);
      // ... and the next window takes four at once, and a fifth only as a probe, with those answered.
      const next = await burst(only(a), 5, short);
      expect(next.map(chosenId)).toEqual(['p/m', 'p/m', 'p/m', 'p/m', 'wait']);
      await answerAll(next, short);
      expect((await burst(only(a), 3, short)).map(chosenId)).toEqual(['p/m', 'p/m', 'wait']);
    });

    it('a 429 learns the calls the provider let through: the calls of the window less those still in flight', async () => {
      const a = instance('p', 'm');
      await serve(a, 4);
      const probes = await burst(only(a), 3);
      expect(probes.map(chosenId)).toEqual(['p/m', 'p/m', 'wait']);
      // The second probe is refused while the first is still in flight: the provider took four.
      await pool.markLimited(a, minuteLimit(1), reserved(probes[1]!).reservationId);
      expect((await minuteUsed(a)).requests).toBe(5);
      expect(await learnedOf(a)).toEqual({ rpm: 4 });
      // Probing is over: the learned limit holds the instance until its window frees, not a recheck.
      const held = await pool.choose(only(a), 1);
      expect(held.kind === 'wait' && held.until).toBeGreaterThan(now + 55_000);
    });

    it('a known rpm (configured, catalog, header or learned) turns probing off: a burst goes out and holds no lease', async () => {
      const short = shortPool();
      const configured = instance('p1', 'm', { rpm: 10 });
      const fromCatalog: Instance = { ...instance('p2', 'm', { rpm: 10 }), limitsSource: 'catalog' };
      const fromHeader = instance('p3', 'm');
      const fromA429 = instance('p4', 'm');
      const answered = reserved(await short.choose(only(fromHeader), 1));
      await short.settle(fromHeader, answered.reservationId, undefined, [
        { what: 'requests', window: 'minute', limit: 10, remaining: 9 },
      ]);
      await serve(fromA429, 6, short);
      await short.markLimited(fromA429, minuteLimit(1));
      expect([await learnedOf(fromHeader), await learnedOf(fromA429)]).toEqual([{ rpm: 10 }, { rpm: 6 }]);
      // The calls that taught them leave the window; the limits they taught stay.
      await sleep(SHORT.ms + SHORT.guardMs + 2 * SHORT_BUCKET + 50);
      for (const known of [configured, fromCatalog, fromHeader, fromA429]) {
        const calls = await burst(only(known), 5, short);
        expect(
          calls.map((c) => c.kind === 'reserved' && !c.holdsSlot),
          known.id,
        ).toEqual([true, true, true, true, true]);
      }
    });

    it('the calls in flight beyond the known-good count grow with it, to an eighth of it (40: five)', async () => {
      const a = instance('p', 'm');
      await serve(a, 40);
      const calls = await burst(only(a), 7);
      expect(calls.map(chosenId)).toEqual(['p/m', 'p/m', 'p/m', 'p/m', 'p/m', 'wait', 'wait']);
    });
    it('the calls sent while probing count in the next script call too', async () => {
      const unknown = instance('p1', 'm');
      const limited = instance('p2', 'm');
      const list = only(unknown, limited);
      await pool.markLimited(limited, minuteLimit(5000));
      // Two calls in one script call, then one more in the next: the probing interval is 100 ms
      // of Redis time, so the check holds only when both came within it (it retries otherwise).
      let checked = false;
      for (let attempt = 0; attempt < 5 && !checked; attempt++) {
        const t0 = Date.now();
        const first = await Promise.all([pool.choose(list, 1), pool.choose(list, 1)]);
        const next = await pool.choose(list, 1);
        if (Date.now() - t0 >= 90) {
          await sleep(110);
          continue;
        }
        expect(first.map(chosenId)).toEqual(['p1/m', 'p1/m']);
        expect(next.kind).toBe('wait');
        checked = true;
      }
      expect(checked).toBe(true);
    });
  });

  describe('learned limits', () => {
    it('a 429 on the minute window teaches the minute limit (the calls counted when it came) and budgets by it', async () => {
      const short = shortPool();
      const a = instance('p', 'm');
      await serve(a, 4, short);
      const refused = reserved(await short.choose(only(a), 1));
      const limitMs = await short.markLimited(a, minuteLimit(1), refused.reservationId);
      expect(await learnedOf(a)).toEqual({ rpm: 4 });
      // Once the limit key is gone (its least backoff, in Redis's time) the learned 4 still holds it.
      await sleep(limitMs + 5);
      const held = await short.choose(only(a), 1);
      if (held.kind !== 'wait' || held.until === null) throw new Error('expected a wait');
      await sleep(held.until - Date.now() + 5);
      reserved(await short.choose(only(a), 1));
    });

    it('a 429 on the day window teaches the daily limit', async () => {
      const a = instance('p', 'm');
      await serve(a, 3);
      await pool.markLimited(a, { scope: 'instance', window: 'day', retryAfterMs: 1, reason: 'rpd' });
      expect(await learnedOf(a)).toEqual({ rpd: 3 });
    });

    it('a later 429 at a lower count lowers the learned limit', async () => {
      const short = shortPool();
      const a = instance('p', 'm');
      await serve(a, 6, short);
      await short.markLimited(a, minuteLimit(1));
      expect((await learnedOf(a)).rpm).toBe(6);
      // The six leave the window, and the limit key (its least backoff) is long gone.
      await sleep(SHORT.ms + SHORT.guardMs + 2 * SHORT_BUCKET + 50);
      await serve(a, 4, short);
      await short.markLimited(a, minuteLimit(1));
      expect((await learnedOf(a)).rpm).toBe(4);
    });

    it('a configured limit is not replaced by one learned from a 429, and a 429 of unknown window teaches nothing', async () => {
      const configured = instance('p', 'm', { rpm: 50 });
      await use(configured, 3);
      await pool.markLimited(configured, minuteLimit(1));
      expect(await learnedOf(configured)).toEqual({});
      const unknown = instance('q', 'm');
      await serve(unknown, 3);
      await pool.markLimited(unknown, {
        scope: 'instance',
        window: 'unknown',
        retryAfterMs: 1,
        reason: 'busy',
      });
      expect(await learnedOf(unknown)).toEqual({});
    });

    it('limits the provider states on its answers (x-ratelimit-limit-*) are learned', async () => {
      const a = instance('p', 'm');
      const c = reserved(await pool.choose(only(a), 1));
      await pool.settle(a, c.reservationId, 10, [
        { what: 'requests', window: 'minute', limit: 30, remaining: 29, resetMs: 2000 },
        { what: 'tokens', window: 'minute', limit: 6000, remaining: 5990, resetMs: 2000 },
      ]);
      expect(await learnedOf(a)).toEqual({ rpm: 30, tpm: 6000 });
      await use(a, 29);
      expect((await pool.choose(only(a), 1)).kind).toBe('wait');
    });
    it("a 429 below the catalog's figure lowers it: the catalog is out of date for this key", async () => {
      const fromCatalog: Instance = { ...instance('p', 'm', { rpm: 10 }), limitsSource: 'catalog' };
      await use(fromCatalog, 3);
      await pool.markLimited(fromCatalog, minuteLimit(1));
      expect((await stateOf(fromCatalog)).windows.minute.requests).toMatchObject({
        limit: 3,
        source: 'learned',
      });
    });

    it('a learned limit lapses when its time is up', async () => {
      const a = instance('p', 'm');
      await serve(a, 3);
      await pool.markLimited(a, minuteLimit(1));
      expect(await learnedOf(a)).toEqual({ rpm: 3 });
      // As if its hour had passed: its expiry set to a moment already gone, in Redis's time.
      const redis = testRedis(prefix, 'clock');
      connections.push(redis);
      const [seconds] = await redis.time();
      await redis.hset(
        `${hashTaggedPrefix(prefix)}:pool:limits:${a.id}`,
        'rpm:l@',
        Number(seconds) * 1000 - 1000,
      );
      expect(await learnedOf(a)).toEqual({});
    });
  });
});
