import { hashTaggedPrefix, orderCandidates, Pool } from '@spillway/core';
import { afterEach, describe, expect, it } from 'vitest';
import { instance } from '../support/instances.js';
import { testRedis } from '../support/redis.js';
import { uniquePrefix } from '../support/tracked.js';

/**
 * A window is read through its running totals ("n" calls, "s" tokens, "o" its oldest bucket; see
 * lua/includes/windows.lua), not by summing its buckets. These tests hold the totals to the
 * buckets under concurrent choices, batched settlements and releases from two pools (as two
 * workers), while buckets leave a shortened minute: a total that drifts (a leaving bucket not
 * taken out, a settlement counted twice, a release not subtracted) fails them.
 */
const SHORT = { ms: 1200, guardMs: 300 };
const BUCKET = Math.floor(SHORT.ms / 60);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('window totals', () => {
  const connections: Array<ReturnType<typeof testRedis>> = [];
  afterEach(async () => {
    await Promise.all(connections.splice(0).map((redis) => redis.quit()));
  });

  const setup = () => {
    const prefix = uniquePrefix('totals');
    const open = (role: string) => {
      const redis = testRedis(prefix, role);
      connections.push(redis);
      return redis;
    };
    const pools = [0, 1].map((i) => new Pool({ redis: open(`pool${i}`), prefix, minuteWindow: SHORT }));
    const admin = open('admin');
    // Known limits far above the traffic: every choice reserves; tokens are tracked (tpd).
    const target = instance('p', 'totals', { rpm: 1_000_000, tpd: 1_000_000_000 });
    const root = `${hashTaggedPrefix(prefix)}:pool`;
    const keys = { minute: `${root}:w:m:${target.id}`, day: `${root}:w:d:${target.id}` };
    return { pools, admin, target, keys };
  };

  /** The hash as stored: its totals, and the sums of the buckets it still holds. */
  const stored = async (admin: ReturnType<typeof testRedis>, key: string) => {
    const hash = await admin.hgetall(key);
    const buckets = Object.entries(hash).filter(([field]) => /^\d+t?$/.test(field));
    const sum = (tokens: boolean) =>
      buckets.filter(([f]) => f.endsWith('t') === tokens).reduce((total, [, v]) => total + Number(v), 0);
    const starts = buckets.map(([f]) => Number.parseInt(f, 10));
    return {
      n: Number(hash.n ?? 0),
      s: Number(hash.s ?? 0),
      oldest: Number(hash.o ?? 0),
      calls: sum(false),
      tokens: sum(true),
      earliestBucket: starts.length ? Math.min(...starts) : null,
    };
  };

  const redisNow = async (admin: ReturnType<typeof testRedis>) => {
    const [seconds, micros] = (await admin.time()) as unknown as [string, string];
    return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  };

  it('keep the running totals equal to the buckets held, under concurrent choices, batched settlements and releases', async () => {
    const { pools, admin, target, keys } = setup();
    const candidates = orderCandidates([target], null);
    let calls = 0;
    let tokens = 0;
    const lane = async (pool: Pool, seed: number) => {
      for (let i = 0; i < 60; i++) {
        const estimate = 10 + ((seed * 31 + i * 17) % 50);
        const choice = await pool.choose(candidates, estimate);
        if (choice.kind !== 'reserved') throw new Error(`expected a reservation, got ${choice.kind}`);
        const what = (seed + i) % 3;
        if (what === 0) {
          await pool.release(target, choice.reservationId);
        } else if (what === 1) {
          // A different actual count: always settled, in the batch of the calls ending together.
          const actual = estimate + 7;
          await pool.settleAnswered(choice, actual);
          calls += 1;
          tokens += actual;
        } else {
          calls += 1;
          tokens += estimate;
        }
        if (i % 5 === 4) await sleep(200); // over 2 s in all: buckets of the short minute leave
      }
    };
    await Promise.all(Array.from({ length: 20 }, (_, seed) => lane(pools[seed % 2]!, seed)));

    // The day window loses nothing in a test's time: its totals are every call kept, exactly.
    const day = await stored(admin, keys.day);
    expect({ n: day.n, s: day.s }).toEqual({ n: calls, s: tokens });
    expect({ calls: day.calls, tokens: day.tokens }).toEqual({ calls, tokens });

    // The minute window has let buckets go: the totals still equal what its buckets hold.
    const minute = await stored(admin, keys.minute);
    expect(minute.n).toBeLessThan(calls);
    expect({ n: minute.n, s: minute.s }).toEqual({ n: minute.calls, s: minute.tokens });
    expect(minute.earliestBucket).toBeGreaterThanOrEqual(minute.oldest);
  });

  it('say a full window has room when its oldest calls leave, not its newest', async () => {
    const { pools, target: unlimited } = setup();
    const target = { ...unlimited, id: 'p/full', model: 'full', limits: { rpm: 5 } };
    const candidates = orderCandidates([target], null);
    const first = Date.now();
    for (let i = 0; i < 3; i++) expect((await pools[0]!.choose(candidates, 1)).kind).toBe('reserved');
    await sleep(500);
    const second = Date.now();
    for (let i = 0; i < 2; i++) expect((await pools[1]!.choose(candidates, 1)).kind).toBe('reserved');
    const full = await pools[0]!.choose(candidates, 1);
    if (full.kind !== 'wait' || full.until === null) throw new Error(`expected a wait, got ${full.kind}`);
    // The first three leave by their bucket's start + bucket + window + guard: never before the
    // provider forgets them, and well before the two sent 500 ms later.
    expect(full.until).toBeGreaterThanOrEqual(first + SHORT.ms + SHORT.guardMs - BUCKET);
    expect(full.until).toBeLessThan(second + SHORT.ms + SHORT.guardMs - 200);
  });

  it('count a bucket until it leaves and then never again: a drained window reads 0 and takes new calls from 0', async () => {
    const { pools, admin, target, keys } = setup();
    const candidates = orderCandidates([target], null);
    for (let i = 0; i < 30; i++) await pools[i % 2]!.choose(candidates, 5);
    const [full] = await pools[0]!.snapshot([target]);
    expect(full!.windows.minute.requests.used).toBe(30);

    // The last bucket leaves by its start + bucket + window + guard.
    const started = await redisNow(admin);
    await sleep(BUCKET + SHORT.ms + SHORT.guardMs + 2 * BUCKET);
    expect(await redisNow(admin)).toBeGreaterThan(started + BUCKET + SHORT.ms + SHORT.guardMs);
    const [drained] = await pools[1]!.snapshot([target]);
    expect(drained!.windows.minute.requests.used).toBe(0);
    expect(drained!.windows.minute.tokens.used).toBe(0);

    await pools[1]!.choose(candidates, 9);
    const minute = await stored(admin, keys.minute);
    expect({ n: minute.n, s: minute.s, calls: minute.calls, tokens: minute.tokens }).toEqual({
      n: 1,
      s: 9,
      calls: 1,
      tokens: 9,
    });
    // The day window still holds all 31.
    expect((await stored(admin, keys.day)).n).toBe(31);
  });
});
