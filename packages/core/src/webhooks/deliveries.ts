import { hashTaggedPrefix } from '../keys.js';
import type { RedisClient } from '../redis.js';
import type { WebhookEventType } from './events.js';

export type WebhookDeliveryStatus = 'pending' | 'delivered' | 'failed' | 'gone';

/** One webhook of a job (or batch) as its view shows it: where it went and how it went. */
export interface WebhookDelivery {
  type: WebhookEventType;
  url: string;
  /** `gone`: the receiver answered 410, so no more tries; `failed`: out of tries, or refused. */
  status: WebhookDeliveryStatus;
  attempts: number;
  /** HTTP status of the last attempt; absent when it got no answer (timeout, refused, network). */
  lastStatus?: number;
  lastAttemptAt?: string;
  /** Why the last attempt did not deliver, e.g. `timeout after 10000 ms` or `redirect (302) not followed`. */
  lastError?: string;
}

/** Beside the records (webhook ids never start with '#'): a counter, and each record's place in it. */
const SEQUENCE_FIELD = '#sequence';
const ORDER_FIELD = '#order:';

/** Delivery records live as long as a receiver could still ask about them. */
export const DELIVERY_RETENTION_SECONDS = 7 * 86_400;

/**
 * Hash: webhook-id -> JSON of WebhookDelivery. A webhook id is one per (subject, event type), so
 * the hash holds at most one field per event type: it is bounded by construction.
 */
export function webhookDeliveriesKey(prefix: string, subjectId: string): string {
  return `${hashTaggedPrefix(prefix)}:webhook:deliveries:${subjectId}`;
}

/**
 * Records a queued webhook once, with its place in the subject's order: Redis keeps no order among
 * a hash's fields once its values outgrow the compact encoding, so the order in which webhooks were
 * queued is a number beside each record.
 *
 * KEYS[1] the subject's deliveries hash
 * ARGV[1] webhook id, ARGV[2] pending record (JSON), ARGV[3] retention (s)
 */
const RECORD_QUEUED = 'spillwayWebhook_recordQueued';
const RECORD_QUEUED_LUA = `
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 1 then
  local sequence = redis.call('HINCRBY', KEYS[1], '${SEQUENCE_FIELD}', 1)
  redis.call('HSET', KEYS[1], '${ORDER_FIELD}' .. ARGV[1], sequence)
end
redis.call('EXPIRE', KEYS[1], ARGV[3])
`;

/** Marks a delivery pending when it is queued; a duplicate enqueue keeps whatever is recorded. */
export async function recordDeliveryQueued(
  redis: RedisClient,
  prefix: string,
  subjectId: string,
  webhookId: string,
  delivery: { type: WebhookEventType; url: string },
): Promise<void> {
  const pending: WebhookDelivery = { ...delivery, status: 'pending', attempts: 0 };
  if (!(RECORD_QUEUED in redis))
    redis.defineCommand(RECORD_QUEUED, { numberOfKeys: 1, lua: RECORD_QUEUED_LUA });
  const recordQueued = (redis as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>)[
    RECORD_QUEUED
  ]!;
  await recordQueued.call(
    redis,
    webhookDeliveriesKey(prefix, subjectId),
    webhookId,
    JSON.stringify(pending),
    DELIVERY_RETENTION_SECONDS,
  );
}

/** Overwrites the record after an attempt: the attempt count and outcome come from the sender. */
export async function recordDeliveryAttempt(
  redis: RedisClient,
  prefix: string,
  subjectId: string,
  webhookId: string,
  delivery: WebhookDelivery,
): Promise<void> {
  const key = webhookDeliveriesKey(prefix, subjectId);
  await redis
    .multi()
    .hset(key, webhookId, JSON.stringify(delivery))
    .expire(key, DELIVERY_RETENTION_SECONDS)
    .exec();
}

/** The webhooks of one job or batch, in the order they were queued; empty when there were none. */
export async function readDeliveries(
  redis: RedisClient,
  prefix: string,
  subjectId: string,
): Promise<WebhookDelivery[]> {
  const fields = await redis.hgetall(webhookDeliveriesKey(prefix, subjectId));
  const deliveries: Array<{ order: number; delivery: WebhookDelivery }> = [];
  for (const [field, json] of Object.entries(fields)) {
    if (field === SEQUENCE_FIELD || field.startsWith(ORDER_FIELD)) continue;
    try {
      const order = Number(fields[`${ORDER_FIELD}${field}`] ?? Number.MAX_SAFE_INTEGER);
      deliveries.push({ order, delivery: JSON.parse(json) as WebhookDelivery });
    } catch {
      // A record that does not parse is not worth failing a job view for.
    }
  }
  return deliveries.sort((a, b) => a.order - b.order).map(({ delivery }) => delivery);
}
