import {
  closeRedis,
  createRedis,
  type RedisTarget,
  type Secret,
  sharedDevWebhookSecret,
} from '@spillway/core';

/**
 * WEBHOOK_SECRET when configured; otherwise (dev mode) the secret shared through Redis, handed
 * to `announce` so the process can print it once for whoever writes the receiver.
 */
export async function resolveWebhookSecret(
  configured: Secret | null,
  target: RedisTarget,
  prefix: string,
  announce: (secret: Secret) => void,
): Promise<Secret> {
  if (configured) return configured;
  const redis = createRedis(target, `${prefix}:worker:dev-webhook-secret`);
  try {
    const secret = await sharedDevWebhookSecret(redis, prefix);
    announce(secret);
    return secret;
  } finally {
    await closeRedis(redis);
  }
}
