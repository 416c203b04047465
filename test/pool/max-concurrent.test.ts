import {
  type Choice,
  closeRedis,
  createLogger,
  hashTaggedPrefix,
  type Instance,
  orderCandidates,
  Pool,
  type RedisClient,
  WaitingRoom,
} from '@spillway/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { jobsQueue, planJob } from '../support/enqueue.js';
import { instance } from '../support/instances.js';
import { testRedis } from '../support/redis.js';
import { uniquePrefix } from '../support/tracked.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
type Reserved = Extract<Choice, { kind: 'reserved' }>;

function capped(providerId: string, maxConcurrent: number, limits: Instance['limits'] = {}): Instance {
  return { ...instance(providerId, 'm', limits), maxConcurrent };
}

const reserved = (choices: Choice[]) => choices.filter((c): c is Reserved => c.kind === 'reserved');

describe('maxConcurrent: calls in flight to an instance, across workers', () => {
  let prefix: string;
  const connections: RedisClient[] = [];
  /** A pool on a connection of its own: another worker, as far as Redis can tell. */
  const worker = (role: string, deps: Partial<ConstructorParameters<typeof Pool>[0]> = {}) => {
    const redis = testRedis(prefix, role);
    connections.push(redis);
    return new Pool({ redis, prefix, ...deps });
  };
  const only = (...list: Instance[]) => orderCandidates(list, null);
  const inFlight = async (p: Pool, i: Instance) => (await p.snapshot([i]))[0]!.inFlight;

  beforeEach(() => {
    prefix = uniquePrefix('maxconc');
  });
  afterEach(async () => {
    await Promise.all(connections.splice(0).map(closeRedis));
  });

  it('two workers choosing at once never hold more than the cap; one more waits; a settled call lets the next in', async () => {
    const a = capped('p', 2);
    const [one, two] = [worker('one'), worker('two')];
    const choices = await Promise.all([
      ...Array.from({ length: 3 }, () => one.choose(only(a), 10)),
      ...Array.from({ length: 3 }, () => two.choose(only(a), 10)),
    ]);
    const held = reserved(choices);
    expect(held).toHaveLength(2);
    expect(held.every((c) => c.holdsSlot)).toBe(true);
    expect(await inFlight(one, a)).toEqual({ calls: 2, maxConcurrent: 2 });

    const third = await two.choose(only(a), 10);
    if (third.kind !== 'wait' || third.until === null) throw new Error('expected a wait with a time');
    // Not the lease's end (minutes): a call may end any moment, and its end wakes the waiting.
    expect(third.until).toBeLessThanOrEqual(Date.now() + 1000 + 50);
    expect(third.blocked).toBe(1);

    // A fast answer with nothing else to settle still gives its slot back.
    const settling = one.settleAnswered(held[0]!, undefined);
    expect(settling).toBeDefined();
    await settling;
    expect(await inFlight(two, a)).toEqual({ calls: 1, maxConcurrent: 2 });
    expect((await two.choose(only(a), 10)).kind).toBe('reserved');
    expect((await one.choose(only(a), 10)).kind).toBe('wait');
  });

  it('a batch of choices in one script call counts the slots its earlier choices took, across candidate lists', async () => {
    const a = capped('p1', 2);
    const b = capped('p2', 1);
    const pool = worker('batch');
    // Same turn of the event loop: one script call, two groups sharing instance a.
    const choices = await Promise.all([
      ...Array.from({ length: 3 }, () => pool.choose(only(a), 1)),
      ...Array.from({ length: 3 }, () => pool.choose(only(a, b), 1)),
    ]);
    const on = (id: string) => reserved(choices).filter((c) => c.instance.id === id).length;
    expect([on('p1/m'), on('p2/m')]).toEqual([2, 1]);
    expect(choices.filter((c) => c.kind === 'wait')).toHaveLength(3);
    // Each call holds its own slot: the ids differ where, uncapped, one bucket shares one id.
    expect(new Set(reserved(choices).map((c) => c.reservationId)).size).toBe(3);
  });

  it('every way a call ends gives its slot back: answered, released, rate limited, settled after an error', async () => {
    const a = capped('p', 1);
    // A short minute: the 429 below limits the model for its floor, 1/60 of it (10 ms), not a second.
    const pool = worker('ends', { minuteWindow: { ms: 600, guardMs: 20 } });
    const take = async () => {
      const c = await pool.choose(only(a), 5);
      if (c.kind !== 'reserved') throw new Error(`expected the slot, got ${JSON.stringify(c)}`);
      expect((await pool.choose(only(a), 5)).kind).toBe('wait');
      return c;
    };
    const ends: Array<(c: Reserved) => Promise<unknown> | undefined> = [
      (c) => pool.settleAnswered(c, 40),
      (c) => pool.release(a, c.reservationId),
      (c) =>
        pool.markLimited(
          a,
          { scope: 'model', window: 'minute', retryAfterMs: 1, reason: 'queue_exceeded' },
          c.reservationId,
        ),
      (c) => pool.settle(a, c.reservationId, undefined),
    ];
    for (const end of ends) {
      const c = await take();
      await end(c);
      expect(await inFlight(pool, a)).toEqual({ calls: 0, maxConcurrent: 1 });
      await sleep(20);
    }
    expect((await pool.choose(only(a), 5)).kind).toBe('reserved');
  });

  it("a dead worker's slots lapse after the lease, while a live worker's stay held, and the wait says when", async () => {
    const a = capped('p', 2);
    const leaseMs = 600;
    const dying = worker('dying', { slots: { leaseMs } });
    const t0 = Date.now();
    expect((await dying.choose(only(a), 1)).kind).toBe('reserved');
    // The worker dies here: it never ends its call. Another takes the last slot a little later.
    await sleep(250);
    const survivor = worker('survivor', { slots: { leaseMs } });
    expect((await survivor.choose(only(a), 1)).kind).toBe('reserved');
    const waiting = await survivor.choose(only(a), 1);
    if (waiting.kind !== 'wait' || waiting.until === null) throw new Error('expected a wait with a time');
    // The earliest lapse: the dead worker's slot, not the live one's.
    expect(waiting.until).toBeLessThanOrEqual(t0 + leaseMs + 50);
    await sleep(waiting.until - Date.now() + 20);
    expect(await inFlight(survivor, a)).toEqual({ calls: 1, maxConcurrent: 2 });
    expect((await survivor.choose(only(a), 1)).kind).toBe('reserved');
    expect((await survivor.choose(only(a), 1)).kind).toBe('wait');
  });

  it('free slots count as headroom, so the choice spreads calls over capped instances', async () => {
    // Known rpms with room to spare: the caps decide (an unknown one would be probed, two in flight).
    const a = capped('p1', 4, { rpm: 1000 });
    const b = capped('p2', 4, { rpm: 1000 });
    const pool = worker('spread');
    const first = await pool.choose(only(a, b), 1);
    expect(first).toMatchObject({ kind: 'reserved', headroom: 0.75 });
    const next = await Promise.all(Array.from({ length: 5 }, () => pool.choose(only(a, b), 1)));
    const on = (id: string) => reserved([first, ...next]).filter((c) => c.instance.id === id).length;
    expect([on('p1/m'), on('p2/m')]).toEqual([3, 3]);
  });

  it('a cap sits with the windows: the tighter of the two decides', async () => {
    const a = capped('p', 5, { rpm: 2 });
    const pool = worker('both');
    const choices = await Promise.all(Array.from({ length: 4 }, () => pool.choose(only(a), 1)));
    expect(reserved(choices)).toHaveLength(2);
    expect(await inFlight(pool, a)).toEqual({ calls: 2, maxConcurrent: 5 });
  });

  it('an instance without a cap, whose rpm is known, holds no slot and writes no in-flight key', async () => {
    const a = instance('p', 'm', { rpm: 100 });
    const redis = testRedis(prefix, 'plain');
    connections.push(redis);
    const pool = new Pool({ redis, prefix });
    const choices = reserved(await Promise.all([pool.choose(only(a), 1), pool.choose(only(a), 1)]));
    expect(choices.map((c) => c.holdsSlot)).toEqual([false, false]);
    expect(new Set(choices.map((c) => c.reservationId)).size).toBe(1);
    expect(await redis.exists(`${hashTaggedPrefix(prefix)}:pool:inflight:${a.id}`)).toBe(0);
    expect(await inFlight(pool, a)).toBeNull();
  });

  it('tells the worker when a slot comes back, and only then', async () => {
    const a = capped('p', 1);
    const plain = instance('q', 'm', { rpm: 100 });
    const probed = instance('r', 'm');
    const freed: string[] = [];
    const pool = worker('told', { onSlotFreed: (i) => freed.push(i.id) });
    const c = await pool.choose(only(a), 1);
    const d = await pool.choose(only(plain), 1);
    const e = await pool.choose(only(probed), 1);
    if (c.kind !== 'reserved' || d.kind !== 'reserved' || e.kind !== 'reserved') {
      throw new Error('expected reservations');
    }
    await pool.release(plain, d.reservationId);
    expect(freed).toEqual([]);
    await pool.settleAnswered(c, undefined);
    expect(freed).toEqual(['p/m']);
    // A call to an instance whose rpm nobody knows holds a probe's slot: its end tells too.
    await pool.release(probed, e.reservationId);
    expect(freed).toEqual(['p/m', 'r/m']);
  });
});

describe('a slot given back releases the jobs waiting for it', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  it('releases the next job of each line that waits for the instance, and none of other lines', async () => {
    const prefix = uniquePrefix('slotwake');
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
      checkMs: 60_000,
    });
    cleanup.push(() => room.close());
    // Two lines wait for p/m (among others), one for q/m only; none would wake by time for a minute.
    const parked = [
      { id: 'job_slot00000001x', line: 'c:one:9', slotsOf: ['p/m', 'r/m'] },
      { id: 'job_slot00000002x', line: 'c:one:9', slotsOf: ['p/m', 'r/m'] },
      { id: 'job_slot00000003x', line: 'c:two:9', slotsOf: ['p/m'] },
      { id: 'job_slot00000004x', line: 'c:other:9', slotsOf: ['q/m'] },
    ];
    for (const [order, { id, line, slotsOf }] of parked.entries()) {
      await queue.add('plan', planJob(order), { jobId: id, delay: 3_600_000 });
      await room.park({
        line,
        member: id,
        order,
        until: Date.now() + 60_000,
        perWindow: 0,
        windowMs: 0,
        again: false,
        slotsOf,
      });
    }
    expect(await room.slotFreed('p/m')).toBe(2);
    const state = async (id: string) => (await queue.getJob(id))?.getState();
    expect(await Promise.all(parked.map((p) => state(p.id)))).toEqual([
      'waiting',
      'delayed',
      'waiting',
      'delayed',
    ]);
    // A line emptied by the release is dropped from the instance's set on the next slot.
    expect(await room.slotFreed('p/m')).toBe(1);
    expect(await room.slotFreed('p/m')).toBe(0);
    expect(await redis.smembers(`${hashTaggedPrefix(prefix)}:wait:slots:p/m`)).toEqual([]);
    expect(await state(parked[3]!.id)).toBe('delayed');
  });
});
