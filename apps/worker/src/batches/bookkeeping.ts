import {
  type BatchItemOutcome,
  CANCELLED_CODE,
  failureFromReason,
  type JobData,
  type JobResult,
  type Logger,
  markBatchStarted,
  type RedisClient,
  readBatch,
  recordBatchItemFinished,
  toBatchView,
} from '@spillway/core';
import type { Job } from 'bullmq';
import { enqueueWebhook, failedForGood } from '../webhooks/emit.js';
import type { WebhookQueue } from '../webhooks/queue.js';

export interface BatchBookkeepingDeps {
  redis: RedisClient;
  /** QUEUE_PREFIX as configured. */
  prefix: string;
  clock: () => number;
  logger: Logger;
  /** Where `batch.completed` is queued; without it no batch webhook is sent. */
  webhooks: WebhookQueue | null;
}

export interface BatchBookkeeping {
  /** For the jobs worker's 'active' event. */
  started(job: Job<JobData, JobResult>): void;
  /** For the jobs worker's 'completed' event. */
  completed(job: Job<JobData, JobResult>): void;
  /** For the jobs worker's 'failed' event; a failure BullMQ will retry is not an end. */
  failed(job: Job<JobData, JobResult> | undefined, err: Error): void;
  /** Waits for the bookkeeping still in flight (before the connections close). */
  drain(): Promise<void>;
}

type AnyJob = Job<JobData, JobResult>;

/**
 * The batch item a job ends, if it ends one. An item is identified by its plan job's id. A plan
 * with coaching does not end its item by completing (its coaching job does), but does by failing
 * (BullMQ then fails the coaching parent itself, and no worker sees that one).
 */
export function itemEndedBy(job: AnyJob, state: 'completed' | 'failed'): string | null {
  const data = job.data;
  if (!data.batchId) return null;
  if (data.kind === 'coaching') return data.coaching?.planJobId ?? null;
  if (data.coachingJobId && state === 'completed') return null;
  return job.id ?? null;
}

/**
 * Keeps each batch's counters as its jobs end (each item counted once, whatever reports it twice)
 * and queues `batch.completed` once, when the last item ends. Worker events are synchronous, so the
 * work runs in the background, tracked for `drain`; failures are logged (the jobs have ended either way).
 */
export function createBatchBookkeeping(deps: BatchBookkeepingDeps): BatchBookkeeping {
  const inFlight = new Set<Promise<void>>();
  const track = (work: Promise<void>, context: Record<string, unknown>) => {
    const tracked = work.catch((err: unknown) =>
      deps.logger.error({ err, ...context }, 'batch bookkeeping failed'),
    );
    inFlight.add(tracked);
    void tracked.finally(() => inFlight.delete(tracked));
  };

  const finish = async (batchId: string, item: string, outcome: BatchItemOutcome) => {
    const now = deps.clock();
    const { batchFinished } = await recordBatchItemFinished(
      deps.redis,
      deps.prefix,
      batchId,
      item,
      outcome,
      now,
    );
    if (!batchFinished) return;
    const record = await readBatch(deps.redis, deps.prefix, batchId);
    deps.logger.info({ batchId, total: record?.total }, 'batch finished');
    if (!record?.callbackUrl || !deps.webhooks) return;
    await enqueueWebhook(
      deps.webhooks,
      {
        type: 'batch.completed',
        url: record.callbackUrl,
        data: toBatchView(record),
        at: record.finishedAt ?? now,
      },
      deps.clock,
    );
  };

  const ended = (job: AnyJob, state: 'completed' | 'failed', outcome: BatchItemOutcome) => {
    const item = itemEndedBy(job, state);
    const batchId = job.data.batchId;
    if (item && batchId) track(finish(batchId, item, outcome), { batchId, jobId: job.id });
  };

  const markedStarted = new Set<string>();
  return {
    started(job) {
      const batchId = job.data.batchId;
      // startedAt is stamped once per batch: one write per batch and process, not per item.
      if (!batchId || markedStarted.has(batchId)) return;
      if (markedStarted.size >= 10_000) markedStarted.clear();
      markedStarted.add(batchId);
      track(markBatchStarted(deps.redis, deps.prefix, batchId, deps.clock()), { batchId });
    },
    completed: (job) => ended(job, 'completed', 'completed'),
    failed(job, err) {
      if (!job || !failedForGood(job, err)) return;
      const cancelled = failureFromReason(err.message).code === CANCELLED_CODE;
      ended(job, 'failed', cancelled ? 'cancelled' : 'failed');
    },
    async drain() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}
