import { JOBS_QUEUE } from '../jobs/job-data.js';

export type StoredMetricType = 'counter' | 'histogram';

export interface StoredMetricDefinition {
  name: string;
  type: StoredMetricType;
  help: string;
  labels: readonly string[];
}

/**
 * What workers count. They keep the counts in Redis (see store.ts) rather than serving them
 * themselves, so that one scrape of any API replica shows the totals of every worker process.
 */
export const WORKER_METRICS = {
  providerRequests: {
    name: 'spillway_provider_requests_total',
    type: 'counter',
    help: 'Provider calls by instance and outcome (ok, rate_limited, capacity, too_large, quota_exhausted, server_error, timeout, network, client_error).',
    labels: ['instance', 'outcome'],
  },
  provider429s: {
    name: 'spillway_provider_429_total',
    type: 'counter',
    help: 'Provider answers with HTTP status 429, by instance.',
    labels: ['instance'],
  },
  fallbacks: {
    name: 'spillway_fallbacks_total',
    type: 'counter',
    help: 'Jobs moved on to another instance after a rate limit, by the instance left and the one taken.',
    labels: ['from', 'to'],
  },
  providerLatency: {
    name: 'spillway_provider_latency_seconds',
    type: 'histogram',
    help: 'Time from sending a provider call to its answer (any outcome), by instance.',
    labels: ['instance'],
  },
  jobsFinished: {
    name: 'spillway_jobs_finished_total',
    type: 'counter',
    help: 'Jobs that ended in a worker, by kind (plan, coaching) and status (completed, failed, cancelled).',
    labels: ['kind', 'status'],
  },
  webhookDeliveries: {
    name: 'spillway_webhook_deliveries_total',
    type: 'counter',
    help: 'Webhook delivery attempts by outcome (delivered; retrying: another attempt is scheduled; failed: no more attempts; gone: the receiver answered 410).',
    labels: ['outcome'],
  },
} as const satisfies Record<string, StoredMetricDefinition>;

/** Provider latency buckets, in seconds: from a fast local model to a slow reasoning answer. */
export const LATENCY_BUCKETS_SECONDS: readonly number[] = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40, 80];

/**
 * The BullMQ queues whose depths are exported: the jobs queue and the webhook deliveries queue (the
 * worker's WEBHOOKS_QUEUE; the API never writes to it, it only reads its counts).
 */
export const OBSERVED_QUEUES = [JOBS_QUEUE, 'webhooks'] as const;
