import { createHmac, randomBytes } from 'node:crypto';
import { Secret } from '../config/secret.js';

const SECRET_PREFIX = 'whsec_';

/** A fresh Standard Webhooks secret: `whsec_` + base64 of 32 random bytes. */
export function generateWebhookSecret(): Secret {
  return new Secret(`${SECRET_PREFIX}${randomBytes(32).toString('base64')}`);
}

/**
 * `v1,<base64 HMAC-SHA256>` of `${id}.${timestamp}.${body}`, keyed with the secret's decoded
 * bytes, as https://www.standardwebhooks.com specifies.
 */
export function signWebhook(secret: Secret, id: string, timestampSeconds: number, body: string): string {
  const value = secret.reveal();
  const key = Buffer.from(
    value.startsWith(SECRET_PREFIX) ? value.slice(SECRET_PREFIX.length) : value,
    'base64',
  );
  const mac = createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64');
  return `v1,${mac}`;
}

export interface WebhookHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/** The three Standard Webhooks headers for one delivery attempt. */
export function webhookHeaders(
  secret: Secret,
  id: string,
  timestampSeconds: number,
  body: string,
): WebhookHeaders {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': signWebhook(secret, id, timestampSeconds, body),
  };
}
