import { type Choice, type Instance, orderCandidates, Pool } from '@spillway/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { instance } from '../support/instances.js';
import { testRedis } from '../support/redis.js';
import { uniquePrefix } from '../support/tracked.js';

// A policy small enough to read: 4 choices in a lease period start reserving ahead, at most 8 held.
const POLICY = { leaseMs: 200, minDemand: 4, maxHeld: 8 };

describe('pool: reserving ahead under load', () => {
  let now: number;
  let redis: ReturnType<typeof testRedis>;
  let pool: Pool;

  beforeEach(() => {
    now = 1_700_000_000_000;
    const prefix = uniquePrefix('ahead');
    redis = testRedis(prefix);
    pool = new Pool({ redis, prefix, clock: () => now, reserveAhead: POLICY });
  });
  afterEach(async () => {
    await pool.close();
    await redis.quit();
  });

  const only = (...list: Instance[]) => orderCandidates(list, null);
  const requests = async (...list: Instance[]) =>
    (await pool.snapshot(list)).map((s) => s.usage.minute.requests);
  /** Whether the choice settles without any I/O: within the microtasks of the current turn. */
  const withoutRoundTrip = async (choice: Promise<Choice>) => {
    let settled = false;
    void choice.then(() => {
      settled = true;
    });
    for (let i = 0; i < 10; i++) await Promise.resolve();
    return settled;
  };

  /**
   * Sustained demand: 4 choices in one lease period; the first choice of the next period asks
   * Redis and reserves 4 more ahead. 5 calls made, 4 held.
   */
  const warmUp = async (list: ReturnType<typeof only>) => {
    await Promise.all(Array.from({ length: 4 }, () => pool.choose(list, 10)));
    now += POLICY.leaseMs;
    const choice = pool.choose(list, 10);
    expect(await withoutRoundTrip(choice)).toBe(false);
    return choice;
  };

  it('under sustained demand, reserves ahead in the same script call and hands those out with no round trip', async () => {
    const a = instance('p', 'a');
    const b = instance('q', 'b');
    const list = only(a, b);
    await warmUp(list);
    // Held reservations are real ones: the windows count them, spread as the script spreads
    // unknown limits (fewest calls this minute first).
    const [onA, onB] = await requests(a, b);
    expect(onA! + onB!).toBe(9);
    expect(Math.abs(onA! - onB!)).toBeLessThanOrEqual(1);
    for (let i = 0; i < 4; i++) {
      const next = pool.choose(list, 10);
      expect(await withoutRoundTrip(next)).toBe(true);
      expect((await next).kind).toBe('reserved');
    }
    // All four held are handed out: the next one asks Redis again.
    const last = pool.choose(list, 10);
    expect(await withoutRoundTrip(last)).toBe(false);
    expect((await last).kind).toBe('reserved');
  });

  it('gives back what it held once the lease passes, so the windows count only calls made', async () => {
    const a = instance('p', 'a');
    const list = only(a);
    await warmUp(list);
    expect(await requests(a)).toEqual([9]);
    now += POLICY.leaseMs; // the lease is over: nothing held is handed out any more
    const late = pool.choose(list, 10);
    expect(await withoutRoundTrip(late)).toBe(false);
    expect((await late).kind).toBe('reserved');
    await pool.close(); // waits for what was given back to reach Redis
    expect(await requests(a)).toEqual([6]);
  });

  it('never reserves ahead on an instance with a known limit', async () => {
    const a = instance('p', 'a', { rpm: 100 });
    const list = only(a);
    for (let round = 0; round < 3; round++) {
      await Promise.all(Array.from({ length: 5 }, () => pool.choose(list, 10)));
      now += POLICY.leaseMs;
    }
    expect(await requests(a)).toEqual([15]);
  });

  it('gives back what it held on an instance that answers 429 before the limit is learned from the window', async () => {
    const a = instance('p', 'a');
    const list = only(a);
    await warmUp(list);
    const refused = await pool.choose(list, 10); // handed out from what was held
    if (refused.kind !== 'reserved') throw new Error('expected a reservation');
    await pool.markLimited(
      a,
      { scope: 'instance', window: 'minute', retryAfterMs: 1000, reason: 'rate limited (minute)' },
      refused.reservationId,
    );
    // 5 calls counted (the refused one is not); the 3 still held went back before the script
    // learned the limit, so it learned 5, not 8.
    const [state] = await pool.snapshot([a]);
    expect(state!.usage.minute.requests).toBe(5);
    expect(state!.learned.rpm).toBe(5);
  });

  it('reserves nothing ahead when demand is low', async () => {
    const a = instance('p', 'a');
    for (let i = 0; i < 3; i++) {
      await pool.choose(only(a), 10);
      now += POLICY.leaseMs; // one call per lease period: below minDemand
    }
    expect(await requests(a)).toEqual([3]);
  });

  it('is off with reserveAhead: false', async () => {
    const prefix = uniquePrefix('ahead-off');
    const own = testRedis(prefix);
    const off = new Pool({ redis: own, prefix, clock: () => now, reserveAhead: false });
    const a = instance('p', 'a');
    for (let round = 0; round < 3; round++) {
      await Promise.all(Array.from({ length: 5 }, () => off.choose(only(a), 10)));
    }
    expect((await off.snapshot([a]))[0]!.usage.minute.requests).toBe(15);
    await own.quit();
  });
});
