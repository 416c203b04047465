import type { RedisClient } from '../redis.js';
import { lineMember, waitingKeys } from './keys.js';
import { defineWaitingCommands } from './scripts.js';

/** Where a parked job stands: how many are ahead of it, and what the pool said for its line. */
export interface PlaceInLine {
  ahead: number;
  /** When capacity returns for the line (ms). */
  until: number;
  /** The spacing between calls the line's instances can take (ms; 0 = unknown). */
  intervalMs: number;
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
    redis.hmget(keys.set(line), 'until', 'intervalMs'),
  ]);
  if (rank === null || set[0] === null) return null;
  return { ahead: rank, until: Number(set[0]), intervalMs: Number(set[1] ?? 0) };
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
