import { randomUUID } from 'node:crypto';
import type { Instance } from '../catalog/instance.js';
import { poolKeys } from '../keys.js';
import { DEFAULT_PROVIDER_TIMEOUT_MS } from '../providers/adapters.js';
import type { RedisClient } from '../redis.js';
import type { LimitMeasure, LimitScope, LimitWindow } from '../signals/outcome.js';
import type { Candidate } from './candidates.js';
import {
  disabledKey,
  hintsKey,
  inFlightKey,
  instanceKeys,
  limitKey,
  statedLimitsKey,
  strikesKey,
  windowKeys,
} from './instance-keys.js';
import { holdsSlot, reservationId } from './reservation-id.js';
import { definePoolCommands, type PoolCommands } from './scripts.js';
import { type InstanceState, toState } from './view.js';

export type { DayWindowUsage, InFlight, InstanceState, LimitSource, WindowUsage } from './view.js';

export type Choice =
  | {
      kind: 'reserved';
      instance: Instance;
      /**
       * Names the buckets the call went into, the tokens it holds and, on a capped instance, its
       * slot (lua/includes/reservation.lua).
       */
      reservationId: string;
      headroom: number;
      /** When the choice was made, by this process's clock (to tell how long the call took). */
      reservedAt: number;
      estimatedTokens: number;
      /** Whether a window of the instance budgets tokens (then actual usage must be settled). */
      tokensTracked: boolean;
      /** Whether the call holds a slot of the instance's `maxConcurrent` (then its end must give it back). */
      holdsSlot: boolean;
    }
  /**
   * Nothing eligible now. `until` is the earliest moment one frees (by this process's clock: the
   * pool's Redis time turned into a delay from now), or null if none ever can.
   */
  | { kind: 'wait'; until: number | null; blocked: number };

export interface LimitNotice {
  scope: LimitScope;
  window: LimitWindow;
  /** What the refused limit counts; unknown is learned as a request limit, the common case. */
  measure?: LimitMeasure;
  retryAfterMs: number;
  reason: string;
}

/** What a provider said about its own counters on an answer (x-ratelimit-remaining-* etc.). */
export interface RemainingReport {
  what: 'requests' | 'tokens' | 'input-tokens' | 'output-tokens';
  window: 'minute' | 'day';
  limit?: number;
  remaining: number;
  resetMs?: number;
}

export interface PoolDeps {
  redis: RedisClient;
  prefix: string;
  /** This process's clock: how long a call took, and `until` in its terms. Windows use Redis's. */
  clock?: () => number;
  /**
   * The "minute" window and its guard (the provider counts a call a little after we reserve it).
   * Production keeps 60 s; tests shorten it so a minute of traffic takes seconds.
   */
  minuteWindow?: { ms: number; guardMs: number };
  /** See SLOTS: tests shorten the lease to see a dead worker's slots lapse. */
  slots?: Partial<SlotTimes>;
  /**
   * Told when a call on a capped instance has given its slot back (Redis has it): the worker
   * releases the jobs waiting for that instance then, rather than when they would look again.
   */
  onSlotFreed?: (instance: Instance) => void;
}

export const MINUTE_WINDOW = { ms: 60_000, guardMs: 750 };

export interface SlotTimes {
  /** How long a slot of a capped instance is held at most: a dead worker's slots lapse after it. */
  leaseMs: number;
  /** With every slot taken, when a job looks again if no call's end has woken it first. */
  recheckMs: number;
}

/**
 * Whether calls to the instance may hold a slot lease, so that a call's end wakes the jobs waiting
 * for it: it has a concurrency cap, or its minute request limit is not known ahead, so the pool
 * probes it a few calls in flight at a time (lua/includes/probing.lua). A limit learned later (a
 * 429, a header) ends the probing; a wake on such an instance then costs one look.
 */
export function callsHoldSlots(instance: Instance): boolean {
  return instance.maxConcurrent !== undefined || instance.limits.rpm === undefined;
}

/**
 * A lease outlasts the longest call (the adapters' whole-call limit) by a margin for the worker's
 * own delays (an event loop busy with many jobs, a slow Redis), so a live call never loses its
 * slot; a dead worker's slots come back within 90 s, about when BullMQ gives its jobs to another
 * worker. The recheck only covers a call ending just before a job parks (its wake found nobody
 * waiting yet): a second of delay then, never a wait for a lease.
 */
export const SLOTS: SlotTimes = { leaseMs: DEFAULT_PROVIDER_TIMEOUT_MS + 30_000, recheckMs: 1000 };

/**
 * Keep one script call short: Redis runs nothing else while a script runs. A choice costs about
 * 7 µs in Lua and a settlement about 11 µs (bench/choice-latency.ts), so a call of 50 stays under
 * 1 ms; more per call saves little, since the round trip is shared by all of them anyway.
 */
export const MAX_CHOICES_PER_CALL = 50;
export const MAX_SETTLEMENTS_PER_CALL = 50;

const REPORT_CODES: Record<RemainingReport['what'], string> = {
  requests: 'req',
  tokens: 'tok',
  'input-tokens': 'in',
  'output-tokens': 'out',
};

interface Settlement {
  instance: Instance;
  reservationId: string;
  keys: string[];
  args: Array<string | number>;
}

interface PendingChoice {
  candidates: readonly Candidate[];
  tokens: number;
  resolve: (choice: Choice) => void;
  reject: (err: unknown) => void;
}

// Candidate lists are mostly shared (CandidateOrders hands out one list per routing shape): their
// keys are worked out once per list.
const listKeys = new WeakMap<readonly Candidate[], string>();

function candidatesKey(candidates: readonly Candidate[]): string {
  let key = listKeys.get(candidates);
  if (key === undefined) {
    key = '';
    for (const { instance, tier } of candidates) key += `${instance.id}\u0000${tier}\u0000`;
    listKeys.set(candidates, key);
  }
  return key;
}

function ownLimits(instance: Instance): Array<string | number> {
  const l = instance.limits;
  return [
    l.rpm ?? 0,
    l.tpm ?? 0,
    l.rpd ?? 0,
    l.tpd ?? 0,
    instance.limitsSource ?? 'configured',
    instance.maxConcurrent ?? 0,
  ];
}

/** Values per call in choose.lua's answer. */
const VALUES_PER_CHOICE = 5;

/**
 * The Redis-backed pool: every decision that must hold across processes (is this instance
 * limited, is there budget left, reserve it) happens inside one Lua call, so any number of
 * workers share one truth, dated by one clock (Redis's).
 */
export class Pool {
  readonly #commands: PoolCommands;
  readonly #root: string;
  readonly #clock: () => number;
  readonly #redis: RedisClient;
  readonly #window: { ms: number; guardMs: number };
  readonly #slots: SlotTimes;
  readonly #onSlotFreed: (instance: Instance) => void;
  readonly #keys = new WeakMap<Instance, string[]>();
  #pendingChoices: PendingChoice[] = [];
  #pendingSettlements: Settlement[] = [];
  #settlementsFlushed: Promise<void> | undefined;

  constructor(deps: PoolDeps) {
    this.#window = deps.minuteWindow ?? MINUTE_WINDOW;
    this.#slots = { ...SLOTS, ...deps.slots };
    this.#onSlotFreed = deps.onSlotFreed ?? (() => {});
    this.#redis = deps.redis;
    this.#commands = definePoolCommands(deps.redis);
    this.#root = poolKeys(deps.prefix).root;
    this.#clock = deps.clock ?? Date.now;
  }

  #instanceKeys(instance: Instance): string[] {
    let keys = this.#keys.get(instance);
    if (!keys) {
      keys = instanceKeys(this.#root, instance);
      this.#keys.set(instance, keys);
    }
    return keys;
  }

  /**
   * Chooses an instance for one call and reserves it. The choices asked for in the same turn of
   * the event loop go to Redis together, as one script call (see lua/choose.lua): under load a
   * worker pays one round trip and one script run for many jobs, not one each.
   */
  choose(candidates: readonly Candidate[], estimatedTokens: number): Promise<Choice> {
    if (candidates.length === 0) return Promise.resolve({ kind: 'wait', until: null, blocked: 0 });
    return new Promise<Choice>((resolve, reject) => {
      const tokens = Math.max(0, Math.ceil(estimatedTokens));
      this.#pendingChoices.push({ candidates, tokens, resolve, reject });
      if (this.#pendingChoices.length === 1) setImmediate(() => this.#flushChoices());
    });
  }

  #flushChoices(): void {
    const batch = this.#pendingChoices.splice(0);
    for (let start = 0; start < batch.length; start += MAX_CHOICES_PER_CALL) {
      this.#chooseTogether(batch.slice(start, start + MAX_CHOICES_PER_CALL));
    }
  }

  #chooseTogether(batch: PendingChoice[]): void {
    // Calls with the same candidate list (the common case: jobs routed alike) share one group,
    // so the list is sent once.
    const groups = new Map<string, PendingChoice[]>();
    for (const pending of batch) {
      const key = candidatesKey(pending.candidates);
      const group = groups.get(key);
      if (group) group.push(pending);
      else groups.set(key, [pending]);
    }
    const ordered: PendingChoice[] = [];
    const keys: string[] = [];
    const args: Array<string | number> = [
      this.#window.ms,
      this.#window.guardMs,
      randomUUID(),
      this.#slots.leaseMs,
      this.#slots.recheckMs,
      groups.size,
    ];
    for (const group of groups.values()) {
      const candidates = group[0]!.candidates;
      args.push(candidates.length);
      for (const { instance, tier } of candidates) {
        keys.push(...this.#instanceKeys(instance));
        args.push(instance.id, tier, ...ownLimits(instance));
      }
      args.push(group.length);
      for (const pending of group) {
        args.push(pending.tokens);
        ordered.push(pending);
      }
    }
    this.#commands.choose(keys, args).then(
      (reply) => {
        const values = reply as Array<string | number>;
        const redisNow = Number(values[0]);
        const localNow = this.#clock();
        const bucketsId = String(values[1]);
        ordered.forEach((pending, index) => {
          pending.resolve(
            toChoice(pending, values, 2 + index * VALUES_PER_CHOICE, bucketsId, redisNow, localNow),
          );
        });
      },
      (err: unknown) => {
        for (const pending of ordered) pending.reject(err);
      },
    );
  }

  /** Settles one finished call now (see lua/settle.lua). */
  async settle(
    instance: Instance,
    reservationId: string,
    actualTokens: number | undefined,
    reports: readonly RemainingReport[] = [],
  ): Promise<void> {
    const { keys, args } = this.#settlement(instance, reservationId, actualTokens, reports);
    await this.#commands.settle(keys, [this.#window.ms, this.#window.guardMs, 1, ...args]);
    this.#slotFreed(instance, reservationId);
  }

  /**
   * Settles an answered call, if there is anything to settle, together with the others that finish
   * in the same turn of the event loop: one script call for all of them. Nobody waits on a
   * settlement, so a busy worker need not pay a round trip per call.
   *
   * Nothing to settle is the common case for a fast answer: the window guard already covers a
   * provider counting the call up to `guardMs` after our reservation, so an answer within the guard
   * needs no re-dating; and with no token budget, no remaining-* report and no slot to give back
   * there is nothing else. Then nothing is sent, and nothing (undefined) is returned.
   */
  settleAnswered(
    choice: Extract<Choice, { kind: 'reserved' }>,
    actualTokens: number | undefined,
    reports: readonly RemainingReport[] = [],
  ): Promise<void> | undefined {
    const withinGuard = this.#clock() - choice.reservedAt <= this.#window.guardMs;
    const tokensChanged =
      choice.tokensTracked && actualTokens !== undefined && actualTokens !== choice.estimatedTokens;
    if (withinGuard && !tokensChanged && reports.length === 0 && !choice.holdsSlot) return undefined;
    this.#pendingSettlements.push(
      this.#settlement(choice.instance, choice.reservationId, actualTokens, reports),
    );
    this.#settlementsFlushed ??= new Promise<void>((resolve, reject) => {
      setImmediate(() => {
        const pending = this.#pendingSettlements.splice(0);
        this.#settlementsFlushed = undefined;
        const calls: Array<Promise<unknown>> = [];
        for (let start = 0; start < pending.length; start += MAX_SETTLEMENTS_PER_CALL) {
          const batch = pending.slice(start, start + MAX_SETTLEMENTS_PER_CALL);
          calls.push(
            this.#commands
              .settle(
                batch.flatMap((s) => s.keys),
                [this.#window.ms, this.#window.guardMs, batch.length, ...batch.flatMap((s) => s.args)],
              )
              .then(() => {
                for (const settled of batch) this.#slotFreed(settled.instance, settled.reservationId);
              }),
          );
        }
        Promise.all(calls).then(() => resolve(), reject);
      });
    });
    return this.#settlementsFlushed;
  }

  #settlement(
    instance: Instance,
    reservationId: string,
    actualTokens: number | undefined,
    reports: readonly RemainingReport[],
  ): Settlement {
    const keys = [
      ...windowKeys(this.#root, instance),
      statedLimitsKey(this.#root, instance),
      hintsKey(this.#root, instance),
      inFlightKey(this.#root, instance),
    ];
    const args: Array<string | number> = [reservationId, actualTokens ?? -1, reports.length];
    for (const r of reports) {
      args.push(REPORT_CODES[r.what], r.window === 'minute' ? 'm' : 'd');
      args.push(r.limit ?? 0, r.remaining, r.resetMs ?? 0);
    }
    return { instance, reservationId, keys, args };
  }

  /** A call that held a slot has ended and Redis has the slot back: tell the worker. */
  #slotFreed(instance: Instance, reservationId: string): void {
    if (holdsSlot(reservationId)) this.#onSlotFreed(instance);
  }

  /**
   * Sets the limit key for the scope named, drops the reservation, and learns the window's limit
   * from a 429 about this instance's own window. The wait is at least a floor that grows with
   * repeated 429s (see lua/limit.lua). Returns how long the limit now holds (ms).
   */
  async markLimited(instance: Instance, notice: LimitNotice, reservationId = ''): Promise<number> {
    const unit = notice.window === 'minute' ? 'm' : notice.window === 'day' ? 'd' : '';
    // Another scope's 429 says nothing about this instance's own window.
    const learnAs =
      notice.scope !== 'instance' || unit === '' ? '' : notice.measure === 'tokens' ? 'tp' : 'rp';
    const name = `${learnAs}${unit}` as 'rpm' | 'tpm' | 'rpd' | 'tpd';
    const payload = JSON.stringify({ reason: notice.reason, window: notice.window });
    const remaining = await this.#commands.limit(
      [
        limitKey(this.#root, instance, notice.scope),
        strikesKey(this.#root, instance),
        ...windowKeys(this.#root, instance),
        statedLimitsKey(this.#root, instance),
        inFlightKey(this.#root, instance),
      ],
      [
        Math.ceil(notice.retryAfterMs),
        payload,
        reservationId,
        unit,
        learnAs,
        learnAs === '' ? 0 : (instance.limits[name] ?? 0),
        instance.limitsSource ?? 'configured',
        this.#window.ms,
        this.#window.guardMs,
      ],
    );
    this.#slotFreed(instance, reservationId);
    return Number(remaining);
  }

  async release(instance: Instance, reservationId: string): Promise<void> {
    await this.#commands.release(
      [...windowKeys(this.#root, instance), inFlightKey(this.#root, instance)],
      [this.#window.ms, this.#window.guardMs, reservationId],
    );
    this.#slotFreed(instance, reservationId);
  }

  /** Billing or zero quota: the instance is taken out of the choice until `ttlMs` passes. */
  async disable(instance: Instance, reason: string, ttlMs: number): Promise<void> {
    await this.#redis.set(disabledKey(this.#root, instance), JSON.stringify({ reason }), 'PX', ttlMs);
  }

  /** Every instance as the pool view shows it (lua/snapshot.lua), dated by Redis's clock. */
  async snapshot(instances: readonly Instance[]): Promise<InstanceState[]> {
    const keys = instances.flatMap((i) => this.#instanceKeys(i));
    const args: Array<string | number> = [this.#window.ms, this.#window.guardMs, instances.length];
    for (const i of instances) args.push(...ownLimits(i));
    const [now, ...rows] = (await this.#commands.snapshot(keys, args)) as [
      number,
      ...Array<Array<string | number | null>>,
    ];
    return instances.map((instance, index) => toState(instance, rows[index]!, Number(now)));
  }
}

function toChoice(
  pending: PendingChoice,
  reply: Array<string | number>,
  at: number,
  bucketsId: string,
  redisNow: number,
  localNow: number,
): Choice {
  if (Number(reply[at]) === 1) {
    const instance = pending.candidates.find((c) => c.instance.id === reply[at + 1])!.instance;
    const lease = String(reply[at + 4]);
    return {
      kind: 'reserved',
      instance,
      reservationId: reservationId(bucketsId, pending.tokens, lease),
      headroom: Number(reply[at + 2]) / 1000,
      reservedAt: localNow,
      estimatedTokens: pending.tokens,
      tokensTracked: Number(reply[at + 3]) === 1,
      holdsSlot: lease !== '',
    };
  }
  const until = Number(reply[at + 1]);
  return {
    kind: 'wait',
    until: until < 0 ? null : localNow + Math.max(0, until - redisNow),
    blocked: Number(reply[at + 2]),
  };
}
