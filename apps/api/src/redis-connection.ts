import { createRedis, type RedisClient, type RedisTarget } from '@spillway/core';
import { Cluster, type RedisOptions } from 'ioredis';

/**
 * The API answers clients, so it must not hold them while Redis is away: with no offline queue and
 * no per-command retries, a command fails at once while the connection is down (and one in flight
 * when it drops fails then), which the API answers with 503 and Retry-After. The connection keeps
 * reconnecting in the background, so the API recovers by itself when Redis returns. Workers keep
 * BullMQ's patient connections instead: they should wait a restart out.
 *
 * No auto-pipelining: it saved CPU per submission, but with this connection's failing-fast options
 * ioredis threw an uncaught TypeError from its auto-pipeline ("results[i] is not iterable") in a
 * CI run, answering a submission 500. Measure again before turning it on.
 */
export const API_REDIS_OPTIONS: RedisOptions = { enableOfflineQueue: false, maxRetriesPerRequest: 0 };

/** The API's connection, ready for use (without an offline queue, a command sent earlier would fail). */
export async function connectApiRedis(target: RedisTarget, name: string): Promise<RedisClient> {
  const redis = createRedis(target, name, API_REDIS_OPTIONS);
  await untilReady(redis);
  return redis;
}

/**
 * A lazy copy of a connection with the options BullMQ requires of a blocking reader (an offline
 * queue, unlimited retries), for QueueEvents: BullMQ duplicates it again and connects that copy.
 */
export function blockingCopy(redis: RedisClient): RedisClient {
  // A blocking read holds its connection: nothing may be pipelined behind it.
  if (redis instanceof Cluster) {
    return redis.duplicate(undefined, {
      lazyConnect: true,
      enableOfflineQueue: true,
      enableAutoPipelining: false,
      redisOptions: { ...redis.options.redisOptions, maxRetriesPerRequest: null },
    });
  }
  return redis.duplicate({
    lazyConnect: true,
    enableOfflineQueue: true,
    maxRetriesPerRequest: null,
    enableAutoPipelining: false,
  });
}

function untilReady(redis: RedisClient): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const ready = () => {
      redis.off('end', ended);
      resolve();
    };
    const ended = () => {
      redis.off('ready', ready);
      reject(new Error('the Redis connection was closed before it was ready'));
    };
    redis.once('ready', ready);
    redis.once('end', ended);
  });
}
