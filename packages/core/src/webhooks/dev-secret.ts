import { Secret } from '../config/secret.js';
import { hashTaggedPrefix } from '../keys.js';
import type { RedisClient } from '../redis.js';
import { generateWebhookSecret } from './signing.js';

/**
 * Dev mode (no WEBHOOK_SECRET): one secret made by whichever process starts first and kept in
 * Redis, so that every worker signs with it and the API can show the same one.
 */
export async function sharedDevWebhookSecret(redis: RedisClient, prefix: string): Promise<Secret> {
  const key = `${hashTaggedPrefix(prefix)}:dev-webhook-secret`;
  await redis.set(key, generateWebhookSecret().reveal(), 'NX');
  return new Secret((await redis.get(key))!);
}
