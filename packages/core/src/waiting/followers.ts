import { hashTaggedPrefix } from '../keys.js';
import type { RedisClient } from '../redis.js';
import { waitingKeys } from './keys.js';
import { planLine } from './line.js';
import { defineWaitingCommands } from './scripts.js';

/** Every coaching job parked on a plan goes once the plan has ended. */
const ALL_FOLLOWERS = 10_000;

/**
 * A plan job has ended (or is gone: cancelled, removed): the coaching jobs parked on it are
 * released to run now (they read its result, or its failure). Returns how many were released.
 */
export async function releasePlanFollowers(
  redis: RedisClient,
  prefix: string,
  queueName: string,
  planJobId: string,
  now: number,
): Promise<number> {
  const reply = (await defineWaitingCommands(redis).release(
    waitingKeys(prefix).root,
    `${hashTaggedPrefix(prefix)}:${queueName}:`,
    now,
    0,
    planLine(planJobId),
    ALL_FOLLOWERS,
  )) as [number, number];
  return Number(reply[0]);
}
