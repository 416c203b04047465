export type WebhookEventType = 'job.completed' | 'job.failed' | 'batch.completed';

/** The JSON body every receiver gets. `data` is the job view or the batch view. */
export interface WebhookPayload<T = unknown> {
  type: WebhookEventType;
  /** When the event happened (ISO 8601); the same on every retry. */
  timestamp: string;
  data: T;
}

/** What happened to which job or batch, and where to tell it. */
export interface WebhookEvent<T extends { id: string } = { id: string }> {
  type: WebhookEventType;
  url: string;
  data: T;
  /** Epoch ms of the event; defaults to the moment it is enqueued. */
  at?: number;
}

/**
 * The `webhook-id`: one per (subject, event type), so a retry or a second enqueue of the same
 * event carries the same id and receivers can deduplicate on it. Also the delivery job's id,
 * which is why it avoids `:` (BullMQ refuses it in custom ids).
 */
export function webhookId(subjectId: string, type: WebhookEventType): string {
  return `msg_${subjectId}_${type.replace('.', '_')}`;
}

export function webhookPayload<T>(type: WebhookEventType, data: T, at: number): WebhookPayload<T> {
  return { type, timestamp: new Date(at).toISOString(), data };
}
