import type { BackoffStrategy } from 'bullmq';
import { DELIVERY_ATTEMPTS_CEILING, DELIVERY_BACKOFF_TYPE } from './queue.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/**
 * When each attempt starts, counted from the previous one: at once, then 5 s, 5 min, 30 min,
 * 2 h, 5 h, 10 h, 10 h (about a day and a half in all), as production webhook senders do.
 */
export const DEFAULT_RETRY_SCHEDULE_MS: readonly number[] = [
  0,
  5 * SECOND,
  5 * MINUTE,
  30 * MINUTE,
  2 * HOUR,
  5 * HOUR,
  10 * HOUR,
  10 * HOUR,
];

/** A receiver's Retry-After is honoured up to this; past it, the schedule takes over again. */
export const MAX_RETRY_AFTER_MS = 24 * HOUR;

/** Thrown by an attempt that should be tried again; `retryAfterMs` is the receiver's own ask. */
export class RetryDeliveryError extends Error {
  readonly retryAfterMs?: number;

  constructor(reason: string, retryAfterMs?: number) {
    super(reason);
    this.name = 'RetryDeliveryError';
    this.retryAfterMs = retryAfterMs;
  }
}

export function assertSchedule(schedule: readonly number[]): void {
  if (schedule.length === 0 || schedule.length >= DELIVERY_ATTEMPTS_CEILING) {
    throw new Error(`a webhook retry schedule needs 1 to ${DELIVERY_ATTEMPTS_CEILING - 1} steps`);
  }
  if (schedule.some((ms) => !Number.isFinite(ms) || ms < 0)) {
    throw new Error('webhook retry delays must be finite and not negative');
  }
}

/** True when the attempt numbered `attemptsMade + 1` is the schedule's last. */
export function isLastAttempt(schedule: readonly number[], attemptsMade: number): boolean {
  return attemptsMade + 1 >= schedule.length;
}

/**
 * BullMQ's custom backoff: `attemptsMade` counts the attempts done, so the next one waits
 * `schedule[attemptsMade]`, or longer when the receiver asked (429 Retry-After). -1 ends retries.
 */
export function scheduleBackoff(schedule: readonly number[]): BackoffStrategy {
  return (attemptsMade, type, err) => {
    if (type !== DELIVERY_BACKOFF_TYPE) throw new Error(`unknown backoff type ${type}`);
    const planned = schedule[attemptsMade];
    if (planned === undefined) return -1;
    const asked = err instanceof RetryDeliveryError ? (err.retryAfterMs ?? 0) : 0;
    return Math.max(planned, Math.min(asked, MAX_RETRY_AFTER_MS));
  };
}
