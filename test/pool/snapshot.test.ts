import { type Instance, orderCandidates, Pool } from '@spillway/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { instance } from '../support/instances.js';
import { testRedis } from '../support/redis.js';
import { uniquePrefix } from '../support/tracked.js';

/**
 * The figures of the pool view as lua/snapshot.lua works them out: which window each measure is
 * read from, when a full window frees, and when the day's budget runs out. Through the public
 * Pool API; times are compared with bounds, never with how fast anything ran.
 */
const SHORT = { ms: 1000, guardMs: 50 };
const DAY_BUCKET_MS = 86_400_000 / 60;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
const at = (iso: string | null) => (iso === null ? null : Date.parse(iso));

describe('the pool view', () => {
  let prefix: string;
  let redis: ReturnType<typeof testRedis>;
  let pool: Pool;

  beforeEach(() => {
    prefix = uniquePrefix('snapshot');
    redis = testRedis(prefix);
    pool = new Pool({ redis, prefix, minuteWindow: SHORT });
  });
  afterEach(async () => {
    await redis.quit();
  });

  const only = (...list: Instance[]) => orderCandidates(list, null);
  const reserve = async (target: Instance, tokens = 10) => {
    const choice = await pool.choose(only(target), tokens);
    if (choice.kind !== 'reserved') throw new Error(`expected a reservation, got ${JSON.stringify(choice)}`);
    return choice;
  };
  const stateOf = async (target: Instance) => (await pool.snapshot([target]))[0]!;

  it('reads the day from the day window: its calls still count once the minute has passed', async () => {
    const a = instance('p', 'm', { rpm: 100, tpm: 10_000, rpd: 1000, tpd: 100_000 });
    await reserve(a, 30);
    await reserve(a, 40);
    await sleep(SHORT.ms + SHORT.guardMs + 2 * (SHORT.ms / 60) + 50);
    const { minute, day } = (await stateOf(a)).windows;
    expect([minute.requests.used, minute.tokens.used]).toEqual([0, 0]);
    expect([day.requests.used, day.tokens.used]).toEqual([2, 70]);
    expect(day.requests).toMatchObject({ limit: 1000, source: 'configured' });
    expect(day.tokens).toMatchObject({ limit: 100_000, source: 'configured' });
  });

  it('says a window over its limit frees when enough has left for the next call, not when the oldest leaves', async () => {
    const a = instance('p', 'm');
    const t0 = Date.now();
    await reserve(a);
    await sleep(t0 + 300 - Date.now());
    const second = await reserve(a);
    const secondAt = Date.now();
    // The provider states a limit of 1 a minute: two are counted, so both must leave for a third.
    await pool.settle(a, second.reservationId, undefined, [
      { what: 'requests', window: 'minute', limit: 1, remaining: 0 },
    ]);
    const { requests } = (await stateOf(a)).windows.minute;
    expect(requests).toMatchObject({ limit: 1, source: 'header', used: 2 });
    expect(at(requests.freesAt)).toBeGreaterThanOrEqual(secondAt + SHORT.ms + SHORT.guardMs - 20);
  });

  it("works out when the day's budget runs out from what is left of it, at the rate of the last hour", async () => {
    const a = instance('p', 'm', { rpd: 10 });
    await reserve(a);
    await reserve(a);
    const { requests } = (await stateOf(a)).windows.day;
    const now = Date.now();
    // The rate runs from the start of the day bucket the calls went into (at least a minute ago).
    const span = Math.max(now % DAY_BUCKET_MS, 60_000);
    const expected = now + ((10 - 2) / 2) * span;
    expect(requests.used).toBe(2);
    expect(Math.abs(at(requests.exhaustsAt)! - expected)).toBeLessThan(2_000);
  });

  it('says a day already over its limit runs out now, not at some moment past', async () => {
    const a = instance('p', 'm');
    await reserve(a);
    const second = await reserve(a);
    await pool.settle(a, second.reservationId, undefined, [
      { what: 'requests', window: 'day', limit: 1, remaining: 0 },
    ]);
    const { requests } = (await stateOf(a)).windows.day;
    expect(requests).toMatchObject({ limit: 1, source: 'header', used: 2 });
    expect(Math.abs(at(requests.exhaustsAt)! - Date.now())).toBeLessThan(2_000);
  });
});
