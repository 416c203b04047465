import type { RedisClient } from '../redis.js';
import { lineMember, waitingKeys } from './keys.js';
import { defineWaitingCommands } from './scripts.js';

/** Where a parked job stands: how many are ahead of it, and what the pool said for its line. */
export interface PlaceInLine {
  ahead: number;
  /** When capacity returns for the line (ms). */
  until: number;
  /** Calls the line's instances take per window (their known limits; 0 = unknown), and that window. */
  perWindow: number;
  windowMs: number;
}

/**
 * When a parked job should start: when capacity returns for its line, plus a window for every
 * window's worth of calls ahead of it (the instances' known limits; unknown: at the return). The
 * calls a window frees come back together when they went out together (a batch, a drained line),
 * so whole windows, not an even spacing, are what the jobs ahead take.
 */
export function estimatedStart(place: PlaceInLine, now: number): number {
  const from = Math.max(place.until, now);
  if (place.perWindow <= 0) return from;
  return from + Math.floor(place.ahead / place.perWindow) * place.windowMs;
}

/** The parked job's place, or null when it is not (or no longer) on a capacity line. */
export async function placeInLine(
  redis: RedisClient,
  prefix: string,
  line: string,
  jobId: string,
  batchId?: string,
): Promise<PlaceInLine | null> {
  const keys = waitingKeys(prefix);
  const [rank, set] = await Promise.all([
    redis.zrank(keys.line(line), lineMember(jobId, batchId)),
    redis.hmget(keys.set(line), 'until', 'perWindow', 'windowMs'),
  ]);
  if (rank === null || set[0] === null) return null;
  return {
    ahead: rank,
    until: Number(set[0]),
    perWindow: Number(set[1] ?? 0),
    windowMs: Number(set[2] ?? 0),
  };
}

/** Jobs parked on capacity lines: all of them, or one batch's. */
export async function waitingCount(redis: RedisClient, prefix: string, batchId?: string): Promise<number> {
  const value = await redis.hget(waitingKeys(prefix).counts, batchId ? `b:${batchId}` : 'all');
  return Math.max(0, Number(value ?? 0));
}

/**
 * Takes a job off its line from outside a worker (a cancel), as the worker's leave does. True
 * when it was on it. Defined on the connection once, like the worker's scripts.
 */
export async function leaveLine(
  redis: RedisClient,
  prefix: string,
  line: string,
  jobId: string,
  batchId?: string,
): Promise<boolean> {
  const removed = await defineWaitingCommands(redis).leave(
    waitingKeys(prefix).root,
    line,
    lineMember(jobId, batchId),
  );
  return Number(removed) === 1;
}
