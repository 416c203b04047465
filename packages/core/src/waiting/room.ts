import type { Logger } from 'pino';
import { hashTaggedPrefix } from '../keys.js';
import type { RedisClient } from '../redis.js';
import { releasePlanFollowers } from './followers.js';
import { waitingKeys } from './keys.js';
import { estimatedStart, placeInLine } from './place.js';
import { defineWaitingCommands, type WaitingCommands } from './scripts.js';

export interface WaitingRoomDeps {
  redis: RedisClient;
  prefix: string;
  /** The BullMQ queue the parked jobs belong to (its name under the prefix). */
  queueName: string;
  clock: () => number;
  logger: Logger;
  /** How long a released job has to report back before its line is due again. */
  leaseMs?: number;
  /**
   * How often the process looks at the wake schedule itself: what other processes parked (one of
   * them may have died before its timer fired). One command per process, whatever waits.
   */
  checkMs?: number;
}

export interface Parking {
  line: string;
  member: string;
  /** When the job first parked: a job parked again keeps its place. */
  order: number;
  /** When capacity returns for the line, or null for a line no time wakes (a plan's followers). */
  until: number | null;
  /** Calls the line's instances take per window (known limits; 0 = unknown), and that window (ms). */
  perWindow: number;
  windowMs: number;
  /** The job was released from this very line and still could not run. */
  again: boolean;
  /** The capped instances (maxConcurrent) among the line's candidates: a slot freed on one releases it. */
  slotsOf?: readonly string[];
}

const MAX_LINES_PER_WAKE = 100;

/**
 * This process's side of the waiting lines: parks jobs, releases them, and keeps ONE timer for
 * the earliest line due. Parked jobs cost nothing while they wait; a wake releases one job per
 * due line, and each released job that gets capacity passes it on (see lua/release.lua).
 */
export class WaitingRoom {
  readonly #deps: WaitingRoomDeps;
  readonly #commands: WaitingCommands;
  readonly #root: string;
  readonly #queueKeys: string;
  readonly #leaseMs: number;
  #timer: NodeJS.Timeout | undefined;
  #timerAt = Number.POSITIVE_INFINITY;
  #check: NodeJS.Timeout | undefined;
  #closed = false;
  #waking: Promise<void> | undefined;

  constructor(deps: WaitingRoomDeps) {
    this.#deps = deps;
    this.#commands = defineWaitingCommands(deps.redis);
    this.#root = waitingKeys(deps.prefix).root;
    this.#queueKeys = `${hashTaggedPrefix(deps.prefix)}:${deps.queueName}:`;
    this.#leaseMs = deps.leaseMs ?? 5000;
  }

  /** Looks at the schedule now and then every `checkMs`. */
  start(): void {
    const look = () => {
      void this.#deps.redis
        .zrange(waitingKeys(this.#deps.prefix).wakes, 0, 0, 'WITHSCORES')
        .then((first) => this.#arm(first.length === 2 ? Number(first[1]) : -1))
        .catch((err: unknown) => this.#deps.logger.warn({ err }, 'could not read the wake schedule'));
    };
    look();
    this.#check = setInterval(look, this.#deps.checkMs ?? 5000);
    this.#check.unref();
  }

  /** Puts a job (already delayed until its deadline) on its line. */
  /**
   * Where a job parking on a line for the first time goes, fair between tenants (see
   * lua/fair-order.lua): `perWindow` calls per `windowMs` space each tenant's jobs apart.
   */
  async fairOrder(line: string, tenant: string, perWindow: number, windowMs: number): Promise<number> {
    // Unknown limits: space by a second, so tenants still take turns.
    const spacing = perWindow > 0 ? windowMs / perWindow : 1000;
    return Number(await this.#commands['fair-order'](this.#root, line, tenant, this.#deps.clock(), spacing));
  }

  async park(p: Parking): Promise<void> {
    const earliest = await this.#commands.park(
      this.#root,
      p.line,
      p.member,
      p.order,
      p.until ?? -1,
      p.perWindow,
      p.windowMs,
      p.again ? 1 : 0,
      p.slotsOf?.length ?? 0,
      ...(p.slotsOf ?? []),
    );
    this.#arm(Number(earliest));
  }

  /** Releases the next `count` jobs of a line (delayed -> wait). */
  async release(line: string, count: number): Promise<number> {
    const [released, earliest] = (await this.#commands.release(
      this.#root,
      this.#queueKeys,
      this.#deps.clock(),
      this.#leaseMs,
      line,
      count,
    )) as [number, number];
    this.#arm(Number(earliest));
    return Number(released);
  }

  /**
   * A call on a capped instance has given its slot back: the next job of each line waiting for
   * that instance runs now (see lua/slot-freed.lua), not when it would have looked again.
   */
  async slotFreed(instanceId: string): Promise<number> {
    const [released, earliest] = (await this.#commands['slot-freed'](
      this.#root,
      this.#queueKeys,
      this.#deps.clock(),
      this.#leaseMs,
      instanceId,
    )) as [number, number];
    this.#arm(Number(earliest));
    return Number(released);
  }

  /** A plan job has ended: the coaching jobs parked on it run now (see followers.ts). */
  async releaseFollowers(planJobId: string): Promise<void> {
    await releasePlanFollowers(
      this.#deps.redis,
      this.#deps.prefix,
      this.#deps.queueName,
      planJobId,
      this.#deps.clock(),
    );
  }

  /**
   * When capacity returns for a parked job: its line's return, plus the calls of the jobs ahead
   * of it (as its view's estimatedStartAt). Null when it is not on the line.
   */
  async returnsAt(line: string, jobId: string, batchId?: string): Promise<number | null> {
    const place = await placeInLine(this.#deps.redis, this.#deps.prefix, line, jobId, batchId);
    if (!place) return null;
    return estimatedStart(place, this.#deps.clock());
  }

  /** Takes a job off its line (back at its deadline, or cancelled). */
  async leave(line: string, member: string): Promise<void> {
    await this.#commands.leave(this.#root, line, member);
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#check);
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#waking;
  }

  #arm(at: number): void {
    if (this.#closed || at < 0 || at >= this.#timerAt) return;
    clearTimeout(this.#timer);
    this.#timerAt = at;
    // setTimeout holds at most ~24.8 days; the periodic check re-arms long before that matters.
    const delay = Math.min(Math.max(0, at - this.#deps.clock()), 2 ** 31 - 1);
    this.#timer = setTimeout(() => this.#wake(), delay);
    this.#timer.unref();
  }

  #wake(): void {
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
    if (this.#closed) return;
    this.#waking = this.#commands
      .wake(this.#root, this.#queueKeys, this.#deps.clock(), this.#leaseMs, MAX_LINES_PER_WAKE)
      .then((reply) => this.#arm(Number((reply as [number, number])[1])))
      .catch((err: unknown) => {
        this.#deps.logger.warn({ err }, 'could not release waiting jobs; trying again shortly');
        this.#arm(this.#deps.clock() + 1000);
      })
      .finally(() => {
        this.#waking = undefined;
      });
  }
}
