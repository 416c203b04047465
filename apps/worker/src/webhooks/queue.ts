import type { RedisClient, WebhookEventType, WebhookPayload } from '@spillway/core';
import type { Queue } from 'bullmq';

export const WEBHOOKS_QUEUE = 'webhooks';

/** A delivery job: where to, what, and the exact body. Never the secret: that stays in the sender. */
export interface WebhookJobData {
  url: string;
  type: WebhookEventType;
  payload: WebhookPayload<{ id: string }>;
}

/** Where webhooks are queued: the BullMQ queue, and the connection and prefix of the delivery records. */
export interface WebhookQueue {
  bullmq: Queue<WebhookJobData>;
  redis: RedisClient;
  /** QUEUE_PREFIX as configured. */
  prefix: string;
}

/**
 * The retry schedule lives with the sender (its backoff strategy answers -1 once the schedule is
 * spent), so this is only a ceiling that no schedule reaches: a schedule changed between deploys
 * then applies to deliveries already queued.
 */
export const DELIVERY_ATTEMPTS_CEILING = 100;

export const DELIVERY_BACKOFF_TYPE = 'webhook-schedule';

export const DELIVERY_JOB_OPTIONS = {
  attempts: DELIVERY_ATTEMPTS_CEILING,
  backoff: { type: DELIVERY_BACKOFF_TYPE },
  // Kept a while so that a duplicate enqueue of the same webhook id collapses into this job.
  removeOnComplete: { age: 86_400 },
  removeOnFail: { age: 7 * 86_400 },
} as const;
