export { type AttemptDeps, attemptDelivery, type DeliveryOutcome, USER_AGENT } from './attempt.js';
export { createDeliveryProcessor, type DeliveryWorkerDeps, startDeliveryWorker } from './delivery-worker.js';
export { resolveWebhookSecret } from './dev-secret.js';
export { createJobWebhooks, enqueueWebhook, failedForGood, type JobWebhooks } from './emit.js';
export { WEBHOOKS_QUEUE, type WebhookJobData, type WebhookQueue } from './queue.js';
export { DEFAULT_RETRY_SCHEDULE_MS, RetryDeliveryError, scheduleBackoff } from './schedule.js';
export { type HttpPost, type PinnedPost, postPinned } from './send.js';
export { type RunningWebhooks, startWebhooks, type WebhookOptions } from './start.js';
