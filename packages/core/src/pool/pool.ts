import { randomUUID } from 'node:crypto';
import type { Instance } from '../catalog/instance.js';
import type { Limits } from '../catalog/types.js';
import { poolKeys } from '../keys.js';
import type { RedisClient } from '../redis.js';
import type { LimitScope, LimitWindow } from '../signals/outcome.js';
import type { Candidate } from './candidates.js';
import { definePoolCommands, type PoolCommands } from './scripts.js';

export type Choice =
  | {
      kind: 'reserved';
      instance: Instance;
      reservationId: string;
      headroom: number;
      /** When the reservation was dated (the pool's clock), and the tokens it holds. */
      reservedAt: number;
      estimatedTokens: number;
      /** Whether a window of the instance budgets tokens (then actual usage must be settled). */
      tokensTracked: boolean;
    }
  /** Nothing eligible now. `until` is the earliest moment one frees, or null if none ever can. */
  | { kind: 'wait'; until: number | null; blocked: number };

export interface LimitNotice {
  scope: LimitScope;
  window: LimitWindow;
  retryAfterMs: number;
  reason: string;
}

/** What a provider said about its own counters on an answer (x-ratelimit-remaining-* etc.). */
export interface RemainingReport {
  what: 'requests' | 'tokens';
  window: 'minute' | 'day';
  limit?: number;
  remaining: number;
  resetMs?: number;
}

export interface InstanceState {
  id: string;
  providerId: string;
  type: Instance['type'];
  model: string;
  state: 'available' | 'limited' | 'disabled';
  limitedUntil: string | null;
  reason: string | null;
  limits: Limits;
  learned: Limits;
  usage: { minute: { requests: number; tokens: number }; day: { requests: number; tokens: number } };
}

export interface PoolDeps {
  redis: RedisClient;
  prefix: string;
  clock?: () => number;
  /**
   * The "minute" window and its guard (the provider counts a call a little after we reserve it).
   * Production keeps 60 s; tests shorten it so a minute of traffic takes seconds.
   */
  minuteWindow?: { ms: number; guardMs: number };
}

export const MINUTE_WINDOW = { ms: 60_000, guardMs: 750 };

/** Keeps one script call short: Redis runs nothing else while a script runs. */
const MAX_CHOICES_PER_CALL = 200;

interface PendingChoice {
  candidates: readonly Candidate[];
  tokens: number;
  resolve: (choice: Choice) => void;
  reject: (err: unknown) => void;
}

// Candidate lists are mostly shared (CandidateOrders hands out one list per routing shape): their
// keys are worked out once per list.
const keys = new WeakMap<readonly Candidate[], string>();

function candidatesKey(candidates: readonly Candidate[]): string {
  let key = keys.get(candidates);
  if (key === undefined) {
    key = '';
    for (const { instance, tier } of candidates) key += `${instance.id}\u0000${tier}\u0000`;
    keys.set(candidates, key);
  }
  return key;
}

function toChoice(
  pending: PendingChoice,
  callId: string,
  now: number,
  reply: Array<string | number>,
  at: number,
): Choice {
  if (Number(reply[at]) === 1) {
    const instance = pending.candidates.find((c) => c.instance.id === reply[at + 1])!.instance;
    return {
      kind: 'reserved',
      instance,
      // Names the window entry the call went into and the tokens it holds (see lua/includes.lua).
      reservationId: `${callId}@${instance.id}#${pending.tokens}`,
      headroom: Number(reply[at + 2]) / 1000,
      reservedAt: now,
      estimatedTokens: pending.tokens,
      tokensTracked: Number(reply[at + 3]) === 1,
    };
  }
  const until = Number(reply[at + 1]);
  return { kind: 'wait', until: until < 0 ? null : until, blocked: Number(reply[at + 2]) };
}

/**
 * The Redis-backed pool: every decision that must hold across processes (is this instance
 * limited, is there budget left, reserve it) happens inside one Lua call, so any number of
 * workers share one truth.
 */
export class Pool {
  readonly #commands: PoolCommands;
  readonly #root: string;
  readonly #clock: () => number;
  readonly #redis: RedisClient;
  readonly #window: { ms: number; guardMs: number };
  #pendingChoices: PendingChoice[] = [];
  #pendingSettlements: Array<Array<string | number>> = [];
  #settlementsFlushed: Promise<void> | undefined;

  constructor(deps: PoolDeps) {
    this.#window = deps.minuteWindow ?? MINUTE_WINDOW;
    this.#redis = deps.redis;
    this.#commands = definePoolCommands(deps.redis);
    this.#root = poolKeys(deps.prefix).root;
    this.#clock = deps.clock ?? Date.now;
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
    const now = this.#clock();
    const callId = randomUUID();
    const args: Array<string | number> = [now, this.#window.ms, this.#window.guardMs, callId, groups.size];
    for (const group of groups.values()) {
      const candidates = group[0]!.candidates;
      args.push(candidates.length);
      for (const { instance, tier } of candidates) {
        const l = instance.limits;
        args.push(instance.id, tier, instance.type, instance.model, instance.providerId);
        args.push(l.rpm ?? 0, l.tpm ?? 0, l.rpd ?? 0, l.tpd ?? 0);
      }
      args.push(group.length);
      for (const pending of group) {
        args.push(pending.tokens);
        ordered.push(pending);
      }
    }
    this.#commands.choose(this.#root, ...args).then(
      (reply) => {
        const values = reply as Array<string | number>;
        ordered.forEach((pending, index) => {
          pending.resolve(toChoice(pending, callId, now, values, index * 4));
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
    await this.#commands.settle(
      this.#root,
      randomUUID(),
      1,
      ...this.#settlement(instance, reservationId, actualTokens, reports),
    );
  }

  /**
   * Settles an answered call, if there is anything to settle, together with the others that finish
   * in the same turn of the event loop: one script call for all of them. Nobody waits on a
   * settlement, so a busy worker need not pay a round trip per call.
   *
   * Nothing to settle is the common case for a fast answer: the window guard already covers a
   * provider counting the call up to `guardMs` after our reservation, so an answer within the guard
   * needs no re-dating; and with no token budget and no remaining-* report there is nothing else.
   * Then nothing is sent, and nothing (undefined) is returned.
   */
  settleAnswered(
    choice: Extract<Choice, { kind: 'reserved' }>,
    actualTokens: number | undefined,
    reports: readonly RemainingReport[] = [],
  ): Promise<void> | undefined {
    const withinGuard = this.#clock() - choice.reservedAt <= this.#window.guardMs;
    const tokensChanged =
      choice.tokensTracked && actualTokens !== undefined && actualTokens !== choice.estimatedTokens;
    if (withinGuard && !tokensChanged && reports.length === 0) return undefined;
    this.#pendingSettlements.push(
      this.#settlement(choice.instance, choice.reservationId, actualTokens, reports),
    );
    this.#settlementsFlushed ??= new Promise<void>((resolve, reject) => {
      setImmediate(() => {
        const batch = this.#pendingSettlements.splice(0);
        this.#settlementsFlushed = undefined;
        this.#commands
          .settle(this.#root, randomUUID(), batch.length, ...batch.flat())
          .then(() => resolve(), reject);
      });
    });
    return this.#settlementsFlushed;
  }

  #settlement(
    instance: Instance,
    reservationId: string,
    actualTokens: number | undefined,
    reports: readonly RemainingReport[],
  ): Array<string | number> {
    const now = this.#clock();
    const args: Array<string | number> = [
      now,
      instance.id,
      reservationId,
      actualTokens ?? -1,
      reports.length,
    ];
    for (const r of reports) {
      args.push(r.what === 'requests' ? 'req' : 'tok', r.window === 'minute' ? 'm' : 'd');
      args.push(r.limit ?? 0, r.remaining, r.resetMs === undefined ? 0 : now + r.resetMs);
    }
    return args;
  }

  /** Sets the limit key for the scope named, learns the window's limit, drops the reservation. */
  async markLimited(instance: Instance, notice: LimitNotice, reservationId = ''): Promise<number> {
    const now = this.#clock();
    const ttl = Math.max(1, Math.ceil(notice.retryAfterMs));
    const payload = JSON.stringify({ reason: notice.reason, window: notice.window, until: now + ttl });
    const unit = notice.window === 'minute' ? 'm' : notice.window === 'day' ? 'd' : '';
    const configured = unit === 'm' ? instance.limits.rpm : unit === 'd' ? instance.limits.rpd : undefined;
    const remaining = await this.#commands.limit(
      this.#root,
      now,
      limitSuffix(instance, notice.scope),
      ttl,
      payload,
      instance.id,
      reservationId,
      unit,
      configured ?? 0,
      this.#window.ms,
      this.#window.guardMs,
    );
    return Number(remaining);
  }

  async release(instance: Instance, reservationId: string): Promise<void> {
    await this.#commands.release(this.#root, instance.id, reservationId);
  }

  /** Billing or zero quota: the instance is taken out of the choice until `ttlMs` passes. */
  async disable(instance: Instance, reason: string, ttlMs: number): Promise<void> {
    const until = this.#clock() + ttlMs;
    await this.#redis.set(
      `${this.#root}:disabled:${instance.id}`,
      JSON.stringify({ reason, until }),
      'PX',
      ttlMs,
    );
  }

  async snapshot(instances: readonly Instance[]): Promise<InstanceState[]> {
    const now = this.#clock();
    const args: Array<string | number> = [now, this.#window.ms, this.#window.guardMs, instances.length];
    for (const i of instances) args.push(i.id, i.type, i.model, i.providerId);
    const rows = (await this.#commands.snapshot(this.#root, ...args)) as Array<Array<string | number | null>>;
    return instances.map((instance, index) => toState(instance, rows[index]!, now));
  }
}

function limitSuffix(instance: Instance, scope: LimitScope): string {
  switch (scope) {
    case 'instance':
      return `i:${instance.id}`;
    case 'model':
      return `m:${instance.type}:${instance.model}`;
    case 'credential':
      return `c:${instance.providerId}`;
  }
}

function toState(instance: Instance, row: Array<string | number | null>, now: number): InstanceState {
  const [disabled, disabledTtl, limit, limitTtl, reqM, tokM, reqD, tokD, lrpm, ltpm, lrpd, ltpd] = row;
  const reasonOf = (payload: unknown) => {
    try {
      return (JSON.parse(String(payload)) as { reason?: string }).reason ?? null;
    } catch {
      return null;
    }
  };
  const learned: Limits = {};
  if (lrpm) learned.rpm = Number(lrpm);
  if (ltpm) learned.tpm = Number(ltpm);
  if (lrpd) learned.rpd = Number(lrpd);
  if (ltpd) learned.tpd = Number(ltpd);
  let state: InstanceState['state'] = 'available';
  let limitedUntil: string | null = null;
  let reason: string | null = null;
  if (disabled) {
    state = 'disabled';
    reason = reasonOf(disabled);
    limitedUntil = new Date(now + Number(disabledTtl)).toISOString();
  } else if (limit && Number(limitTtl) > 0) {
    state = 'limited';
    reason = reasonOf(limit);
    limitedUntil = new Date(now + Number(limitTtl)).toISOString();
  }
  return {
    id: instance.id,
    providerId: instance.providerId,
    type: instance.type,
    model: instance.model,
    state,
    limitedUntil,
    reason,
    limits: { ...instance.limits },
    learned,
    usage: {
      minute: { requests: Number(reqM), tokens: Number(tokM) },
      day: { requests: Number(reqD), tokens: Number(tokD) },
    },
  };
}
