import {
  hashTaggedPrefix,
  type Logger,
  type RedisClient,
  recordDeliveryAttempt,
  type WebhookDelivery,
  type WebhookDeliveryStatus,
} from '@spillway/core';
import { type Job, UnrecoverableError, Worker } from 'bullmq';
import type { WebhookMeter } from '../metrics/worker-metrics.js';
import { type AttemptDeps, attemptDelivery, type DeliveryOutcome } from './attempt.js';
import { WEBHOOKS_QUEUE, type WebhookJobData } from './queue.js';
import { isLastAttempt, RetryDeliveryError, scheduleBackoff } from './schedule.js';

export interface DeliveryWorkerDeps extends AttemptDeps {
  /** For BullMQ's blocking commands: a connection of its own. */
  connection: RedisClient;
  /** For the delivery records the job view reads. */
  records: RedisClient;
  /** QUEUE_PREFIX, as configured (hash-tagged here). */
  prefix: string;
  retryScheduleMs: readonly number[];
  concurrency: number;
  clock: () => number;
  logger: Logger;
  meter?: WebhookMeter;
  /** See WorkerDeps.stalled; BullMQ's defaults when omitted. */
  stalled?: { lockDurationMs: number; stalledIntervalMs: number };
}

/** Runs delivery jobs: one attempt per run, recorded, then delivered / retried / stopped. */
export function createDeliveryProcessor(deps: DeliveryWorkerDeps) {
  return async function deliver(job: Job<WebhookJobData>): Promise<{ status: number }> {
    const { url, type, payload } = job.data;
    const webhookId = job.id!;
    const now = deps.clock();
    const outcome = await attemptDelivery({ url, webhookId, body: JSON.stringify(payload), now }, deps);
    const last = isLastAttempt(deps.retryScheduleMs, job.attemptsMade);

    const record: WebhookDelivery = {
      type,
      url,
      status: statusAfter(outcome, last),
      attempts: job.attemptsMade + 1,
      lastAttemptAt: new Date(now).toISOString(),
    };
    if ('status' in outcome && outcome.status !== undefined) record.lastStatus = outcome.status;
    if (outcome.kind === 'retry' || outcome.kind === 'refused') record.lastError = outcome.reason;
    await recordDeliveryAttempt(deps.records, deps.prefix, payload.data.id, webhookId, record);
    deps.meter?.webhookAttempt(record.status);

    // The URL may carry a receiver's token in its path or query: logs get the host only.
    const log = deps.logger.child({ webhookId, jobId: payload.data.id, host: hostOf(url) });
    log.info(
      { outcome: outcome.kind, status: record.status, attempts: record.attempts, reason: record.lastError },
      'webhook attempt',
    );

    switch (outcome.kind) {
      case 'delivered':
        return { status: outcome.status };
      case 'gone':
        throw new UnrecoverableError('the receiver answered 410 Gone: no more attempts');
      case 'refused':
        throw new UnrecoverableError(outcome.reason);
      case 'retry':
        throw new RetryDeliveryError(outcome.reason, outcome.retryAfterMs);
    }
  };
}

function statusAfter(outcome: DeliveryOutcome, last: boolean): WebhookDeliveryStatus {
  switch (outcome.kind) {
    case 'delivered':
      return 'delivered';
    case 'gone':
      return 'gone';
    case 'refused':
      return 'failed';
    case 'retry':
      return last ? 'failed' : 'pending';
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(invalid)';
  }
}

export function startDeliveryWorker(deps: DeliveryWorkerDeps): Worker<WebhookJobData> {
  const worker = new Worker<WebhookJobData>(WEBHOOKS_QUEUE, createDeliveryProcessor(deps), {
    connection: deps.connection,
    prefix: hashTaggedPrefix(deps.prefix),
    concurrency: deps.concurrency,
    settings: { backoffStrategy: scheduleBackoff(deps.retryScheduleMs) },
    autorun: true,
    ...(deps.stalled
      ? { lockDuration: deps.stalled.lockDurationMs, stalledInterval: deps.stalled.stalledIntervalMs }
      : {}),
  });
  worker.on('error', (err) => deps.logger.error({ err }, 'webhook worker error'));
  return worker;
}
