import { hashTaggedPrefix, type RedisClient } from '@spillway/core';
import { generateDevKey } from './auth.js';

/** The dev key, made once and shared through Redis so that every local API replica accepts it. */
export async function sharedDevKey(redis: RedisClient, prefix: string): Promise<string> {
  const key = `${hashTaggedPrefix(prefix)}:dev-api-key`;
  await redis.set(key, generateDevKey(), 'NX');
  return (await redis.get(key))!;
}
