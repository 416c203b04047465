import { createRedis, type RedisClient } from '@spillway/core';
import { inject } from 'vitest';

export function redisUrl(): string {
  return inject('redisUrl');
}

/** A connection named after the test's prefix, so the leak guard sees it if it is left open. */
export function testRedis(prefix: string, role = 'test'): RedisClient {
  return createRedis({ url: redisUrl(), cluster: false }, `${prefix}:${role}`);
}
