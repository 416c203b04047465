import type { AddressResolver, JobData, JobResult, Logger, RedisClient, Secret } from '@spillway/core';
import { hashTaggedPrefix, JOBS_QUEUE } from '@spillway/core';
import { Queue } from 'bullmq';
import type { WebhookMeter } from '../metrics/worker-metrics.js';
import { DEFAULT_DELIVERY_TIMEOUT_MS } from './attempt.js';
import { startDeliveryWorker } from './delivery-worker.js';
import { createJobWebhooks, type JobWebhooks } from './emit.js';
import { OwedWebhooks } from './owed.js';
import { WEBHOOKS_QUEUE, type WebhookJobData, type WebhookQueue } from './queue.js';
import { assertSchedule, DEFAULT_RETRY_SCHEDULE_MS } from './schedule.js';
import { startOwedSweeper } from './sweep-owed.js';

export interface WebhookOptions {
  secret: Secret;
  /** WEBHOOK_ALLOW_PRIVATE: deliver to loopback and private addresses too. */
  allowPrivate: boolean;
  /** Delay before each attempt, the first included; tests pass short ones like [0, 200, 400]. */
  retryScheduleMs?: readonly number[];
  timeoutMs?: number;
  /** Deliveries in flight per worker process. */
  concurrency?: number;
  /** DNS for the URL guard; tests map names to chosen addresses. */
  resolve?: AddressResolver;
  /** How often to look for webhooks that finished jobs still owe (their worker died first). */
  owedSweepMs?: number;
}

export interface WebhookRuntime {
  /** Named connections, closed by the caller (the jobs worker owns every connection it opens). */
  connect: (role: string) => RedisClient;
  prefix: string;
  clock: () => number;
  logger: Logger;
  /** Counts delivery attempts by outcome for /metrics. */
  meter?: WebhookMeter;
  /** Stalled-delivery recovery, as for the jobs worker (see WorkerDeps.stalled). */
  stalled?: { lockDurationMs: number; stalledIntervalMs: number };
}

export interface RunningWebhooks {
  queue: WebhookQueue;
  /** Hooks for the jobs worker's 'completed' / 'failed' events. */
  jobs: JobWebhooks;
  /** Waits for webhooks being queued, then stops delivering (letting attempts in flight finish). */
  close(): Promise<void>;
}

const DEFAULT_CONCURRENCY = 25;
const DEFAULT_OWED_SWEEP_MS = 30_000;

/** The webhooks queue and its delivery worker, inside a jobs worker process. */
export async function startWebhooks(
  options: WebhookOptions,
  runtime: WebhookRuntime,
): Promise<RunningWebhooks> {
  const schedule = options.retryScheduleMs ?? DEFAULT_RETRY_SCHEDULE_MS;
  assertSchedule(schedule);
  const records = runtime.connect('webhooks-queue');
  const bullmq = new Queue<WebhookJobData>(WEBHOOKS_QUEUE, {
    connection: records,
    prefix: hashTaggedPrefix(runtime.prefix),
  });
  const queue: WebhookQueue = { bullmq, redis: records, prefix: runtime.prefix };
  const delivery = startDeliveryWorker({
    connection: runtime.connect('webhooks-bullmq'),
    records,
    prefix: runtime.prefix,
    secret: options.secret,
    allowPrivate: options.allowPrivate,
    resolve: options.resolve,
    timeoutMs: options.timeoutMs ?? DEFAULT_DELIVERY_TIMEOUT_MS,
    retryScheduleMs: schedule,
    concurrency: options.concurrency ?? DEFAULT_CONCURRENCY,
    clock: runtime.clock,
    logger: runtime.logger,
    meter: runtime.meter,
    stalled: runtime.stalled,
  });
  const owed = new OwedWebhooks(records, runtime.prefix);
  const jobs = createJobWebhooks({ queue, clock: runtime.clock, logger: runtime.logger, owed });
  await delivery.waitUntilReady();
  const jobsQueue = new Queue<JobData, JobResult>(JOBS_QUEUE, {
    connection: records,
    prefix: hashTaggedPrefix(runtime.prefix),
  });
  const sweeper = startOwedSweeper({
    owed,
    jobs: jobsQueue,
    webhooks: jobs,
    clock: runtime.clock,
    logger: runtime.logger,
    intervalMs: options.owedSweepMs ?? DEFAULT_OWED_SWEEP_MS,
  });
  return {
    queue,
    jobs,
    async close() {
      await sweeper.stop();
      await jobs.drain();
      await delivery.close();
      await jobsQueue.close();
      await bullmq.close();
    },
  };
}
