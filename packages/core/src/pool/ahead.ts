import type { Instance } from '../catalog/instance.js';
import type { Candidate } from './candidates.js';
import type { Choice } from './pool.js';

export type Reserved = Extract<Choice, { kind: 'reserved' }>;

/**
 * Reserving ahead. Under load a worker asks Redis, in the script call it makes anyway, for a few
 * more reservations than its jobs need this turn, and hands them to the jobs that ask next without
 * a round trip. Each one is still chosen and reserved by the atomic script (choose.lua), so the
 * windows count every call; only the moment of handing out is local.
 *
 * Only where nothing is budgeted: every instance of the candidate list has no known limit (none
 * configured, none learned). A known limit is a scarce budget that another process may need this
 * very second, so it is never held ahead. And only briefly (`leaseMs`, well inside the window's
 * guard): a reservation that waits longer is given back, so a limit another process hit is seen
 * within `leaseMs`, and an answer still lands within the guard (then settling sends nothing).
 */
export interface AheadPolicy {
  /** How long a reservation made ahead may be handed out; then it goes back. */
  leaseMs: number;
  /**
   * Choices asked for one candidate list in a whole period of `leaseMs` before any is made ahead:
   * sustained load, not the first burst of a queue that just filled (when, with limits unknown,
   * the first 429s are about to teach them).
   */
  minDemand: number;
  /** The most held for one candidate list. */
  maxHeld: number;
}

export const RESERVE_AHEAD: AheadPolicy = { leaseMs: 200, minDemand: 16, maxHeld: 128 };

/** What one candidate list holds, and how much it is asked for. */
class ListStock {
  held: Reserved[] = [];
  /** Choices asked in the current period of `leaseMs`, and in the one before. */
  asked = 0;
  askedBefore = 0;
  periodStart = 0;
  /** Off for good once an instance of the list shows a known limit (learned from a 429 or a header). */
  allowed: boolean;

  constructor(candidates: readonly Candidate[]) {
    this.allowed = candidates.every(({ instance: { limits: l } }) => !l.rpm && !l.tpm && !l.rpd && !l.tpd);
  }
}

export class ReservedAhead {
  readonly #lists = new Map<string, ListStock>();
  readonly #policy: AheadPolicy;
  readonly #clock: () => number;
  readonly #giveBack: (reservations: Reserved[]) => void;

  /** `giveBack` returns unused reservations to Redis (in one script call for all of them). */
  constructor(policy: AheadPolicy, clock: () => number, giveBack: (reservations: Reserved[]) => void) {
    this.#policy = policy;
    this.#clock = clock;
    this.#giveBack = giveBack;
  }

  /** Counts a choice asked for `key`'s list; hands out a fresh reservation held for it, if any. */
  take(key: string, candidates: readonly Candidate[], now: number, tokens: number): Reserved | undefined {
    const list = this.#list(key, candidates);
    if (now - list.periodStart >= this.#policy.leaseMs) {
      list.askedBefore = now - list.periodStart < 2 * this.#policy.leaseMs ? list.asked : 0;
      list.asked = 0;
      list.periodStart = now;
    }
    list.asked += 1;
    this.#expire(list, now);
    const held = list.held.shift();
    // The job's own estimate: nothing budgets tokens here (`allowed`), it only feeds the settlement.
    return held && { ...held, estimatedTokens: tokens };
  }

  /** How many to reserve ahead for `key`'s list in the script call being made. */
  wanted(key: string): number {
    const list = this.#lists.get(key);
    if (!list?.allowed) return 0;
    if (list.askedBefore < this.#policy.minDemand) return 0;
    const demand = Math.max(list.asked, list.askedBefore);
    return Math.max(0, Math.min(this.#policy.maxHeld, demand) - list.held.length);
  }

  /**
   * Keeps what the script reserved ahead for `key`'s list. A reservation on an instance that turned
   * out to have a known limit goes back at once, and the list stops reserving ahead.
   */
  keep(key: string, made: readonly Choice[], chosen: readonly Choice[]): void {
    const list = this.#lists.get(key);
    if (!list) return;
    const unbudgeted = (c: Choice) => c.kind !== 'reserved' || (c.headroom >= 1 && !c.tokensTracked);
    if (!chosen.every(unbudgeted) || !made.every(unbudgeted)) list.allowed = false;
    const reserved = made.filter((c): c is Reserved => c.kind === 'reserved');
    if (!list.allowed) {
      this.#giveBack(reserved);
      return;
    }
    list.held.push(...reserved);
    if (reserved.length > 0) {
      setTimeout(() => this.#expire(list, this.#clock()), this.#policy.leaseMs + 1).unref();
    }
  }

  /** Instances were limited or disabled: what is held on them goes back. */
  drop(affected: (instance: Instance) => boolean): void {
    for (const list of this.#lists.values()) {
      const gone = list.held.filter((c) => affected(c.instance));
      if (gone.length === 0) continue;
      list.held = list.held.filter((c) => !affected(c.instance));
      this.#giveBack(gone);
    }
  }

  /** Everything held goes back (the worker is closing). */
  drain(): void {
    for (const list of this.#lists.values()) {
      if (list.held.length > 0) this.#giveBack(list.held);
      list.held = [];
    }
  }

  #list(key: string, candidates: readonly Candidate[]): ListStock {
    let list = this.#lists.get(key);
    if (!list) {
      list = new ListStock(candidates);
      this.#lists.set(key, list);
    }
    return list;
  }

  // Held longer than the lease: back to Redis. Held reservations are in the order they were made.
  #expire(list: ListStock, now: number): void {
    let stale = 0;
    while (stale < list.held.length && now - list.held[stale]!.reservedAt >= this.#policy.leaseMs) stale++;
    if (stale > 0) this.#giveBack(list.held.splice(0, stale));
  }
}
