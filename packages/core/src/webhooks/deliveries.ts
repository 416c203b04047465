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

/** Marks a delivery pending when it is queued; a duplicate enqueue keeps whatever is recorded. */
export async function recordDeliveryQueued(
  redis: RedisClient,
  prefix: string,
  subjectId: string,
  webhookId: string,
  delivery: { type: WebhookEventType; url: string },
): Promise<void> {
  const key = webhookDeliveriesKey(prefix, subjectId);
  const pending: WebhookDelivery = { ...delivery, status: 'pending', attempts: 0 };
  const replies = await redis
    .multi()
    .hsetnx(key, webhookId, JSON.stringify(pending))
    .hincrby(key, SEQUENCE_FIELD, 1)
    .expire(key, DELIVERY_RETENTION_SECONDS)
    .exec();
  // Redis keeps no order among a hash's fields once its values outgrow the compact encoding, so
  // the order in which webhooks were queued is kept as a number beside each record.
  const [created, sequence] = (replies ?? []).map(([, value]) => value);
  if (created === 1) await redis.hset(key, `${ORDER_FIELD}${webhookId}`, String(sequence));
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
