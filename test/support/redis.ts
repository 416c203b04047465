import { createRedis, type RedisClient, redisConnectionOptions } from '@spillway/core';
import type { RedisOptions } from 'bullmq';
import { inject } from 'vitest';

/** The suite's Redis, whole (database, user, password, TLS, options): hand it on as it is. */
export function redisUrl(): string {
  return inject('redisUrl');
}

/** A connection named after the test's prefix, so the leak guard sees it if it is left open. */
export function testRedis(prefix: string, role = 'test'): RedisClient {
  return createRedis({ url: redisUrl(), cluster: false }, `${prefix}:${role}`);
}

/**
 * Connection options for a BullMQ Queue or Worker that owns its connection (so its `close()` closes
 * it): the whole URL, read by the same function the app uses, named for the leak guard.
 */
export function testRedisOptions(prefix: string, role = 'test', url = redisUrl()): RedisOptions {
  return { ...redisConnectionOptions(url), connectionName: `${prefix}:${role}` };
}
