import {
  CANCELLED_CODE,
  failureFromReason,
  type Instance,
  type JobData,
  type JobResult,
  LATENCY_BUCKETS_SECONDS,
  type ProviderAnswer,
  type ProviderOutcome,
  type WebhookDeliveryStatus,
  WORKER_METRICS,
} from '@spillway/core';
import type { Job } from 'bullmq';
import { failedForGood } from '../webhooks/emit.js';
import { MetricsRecorder, type RecorderDeps } from './recorder.js';

/** What dispatch reports about provider calls. */
export interface DispatchMeter {
  providerAnswered(instance: Instance, answer: ProviderAnswer, outcome: ProviderOutcome): void;
  /** A job left `from` after a rate limit and got a reservation on `to`. */
  fellBack(from: Instance, to: Instance): void;
}

/** What the webhook sender reports: the delivery record's status after each attempt. */
export interface WebhookMeter {
  webhookAttempt(status: WebhookDeliveryStatus): void;
}

export interface WorkerMetrics extends DispatchMeter, WebhookMeter {
  /** For the jobs worker's 'completed' event. */
  jobCompleted(job: Job<JobData, JobResult>): void;
  /** For the jobs worker's 'failed' event: a failure BullMQ will retry is not an end, and is not counted. */
  jobFailed(job: Job<JobData, JobResult> | undefined, err: Error): void;
  flush(): Promise<void>;
  close(): Promise<void>;
}

const M = WORKER_METRICS;
const DELIVERY_OUTCOME: Record<WebhookDeliveryStatus, string> = {
  delivered: 'delivered',
  pending: 'retrying',
  failed: 'failed',
  gone: 'gone',
};

export function createWorkerMetrics(deps: RecorderDeps): WorkerMetrics {
  const recorder = new MetricsRecorder(deps);
  // Every provider call is counted: its label objects are made once per instance and outcome.
  const instanceLabels = new Map<string, { instance: string }>();
  const outcomeLabels = new Map<string, { instance: string; outcome: string }>();
  return {
    providerAnswered(instance, answer, outcome) {
      let labels = instanceLabels.get(instance.id);
      if (!labels) {
        labels = { instance: instance.id };
        instanceLabels.set(instance.id, labels);
      }
      const outcomeKey = `${instance.id}\u0000${outcome.code}`;
      let withOutcome = outcomeLabels.get(outcomeKey);
      if (!withOutcome) {
        withOutcome = { ...labels, outcome: outcome.code };
        outcomeLabels.set(outcomeKey, withOutcome);
      }
      recorder.add(M.providerRequests.name, withOutcome);
      if (answer.kind !== 'transport' && answer.status === 429) recorder.add(M.provider429s.name, labels);
      recorder.observe(M.providerLatency.name, labels, answer.latencyMs / 1000, LATENCY_BUCKETS_SECONDS);
    },
    fellBack(from, to) {
      recorder.add(M.fallbacks.name, { from: from.id, to: to.id });
    },
    webhookAttempt(status) {
      recorder.add(M.webhookDeliveries.name, { outcome: DELIVERY_OUTCOME[status] });
    },
    jobCompleted(job) {
      recorder.add(M.jobsFinished.name, { kind: job.data.kind, status: 'completed' });
    },
    jobFailed(job, err) {
      if (!job || !failedForGood(job, err)) return;
      const cancelled = failureFromReason(err.message).code === CANCELLED_CODE;
      recorder.add(M.jobsFinished.name, { kind: job.data.kind, status: cancelled ? 'cancelled' : 'failed' });
    },
    flush: () => recorder.flush(),
    close: () => recorder.close(),
  };
}
