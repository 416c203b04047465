import {
  type JobData,
  type JobResult,
  type Logger,
  recordDeliveryQueued,
  toJobView,
  type WebhookEvent,
  webhookId,
  webhookPayload,
} from '@spillway/core';
import { type Job, UnrecoverableError } from 'bullmq';
import type { OwedWebhooks } from './owed.js';
import { DELIVERY_JOB_OPTIONS, type WebhookQueue } from './queue.js';

/**
 * Queues one webhook. The delivery job's id is the webhook id, so the same event queued twice
 * (two workers, a replayed event) is delivered once. Returns the webhook id.
 */
export async function enqueueWebhook(
  queue: WebhookQueue,
  event: WebhookEvent,
  clock: () => number = Date.now,
): Promise<string> {
  const subjectId = event.data.id;
  const id = webhookId(subjectId, event.type);
  const payload = webhookPayload(event.type, event.data, event.at ?? clock());
  // Recorded before the job exists, so a fast first attempt cannot be overwritten by "pending".
  await recordDeliveryQueued(queue.redis, queue.prefix, subjectId, id, { type: event.type, url: event.url });
  await queue.bullmq.add(
    event.type,
    { url: event.url, type: event.type, payload },
    { ...DELIVERY_JOB_OPTIONS, jobId: id },
  );
  return id;
}

/** True once BullMQ will not run the job again: out of attempts, or failed for good. */
export function failedForGood(job: Job, err: Error): boolean {
  return (
    job.finishedOn !== undefined ||
    err instanceof UnrecoverableError ||
    err.name === 'UnrecoverableError' ||
    job.attemptsMade >= (job.opts.attempts ?? 1)
  );
}

export interface JobWebhooksDeps {
  queue: WebhookQueue;
  clock: () => number;
  logger: Logger;
  /** Where a started job is noted as owing a webhook until it is queued (see owed.ts). */
  owed?: OwedWebhooks;
}

export interface JobWebhooks {
  /** For the jobs worker's 'active' event: from now on, the job's end owes a webhook. */
  started(job: Job<JobData, JobResult>): void;
  /** For the jobs worker's 'completed' event. */
  completed(job: Job<JobData, JobResult>): void;
  /** For the jobs worker's 'failed' event; a failure that BullMQ will retry sends nothing. */
  failed(job: Job<JobData, JobResult> | undefined, err: Error): void;
  /** Queues the webhook of a job that has ended and clears what it owed; for the owed sweep. */
  queueFinal(job: Job<JobData, JobResult>, state: 'completed' | 'failed'): Promise<void>;
  /** Waits for every webhook still being queued (before the queue closes). */
  drain(): Promise<void>;
}

/**
 * Turns a job's end into `job.completed` / `job.failed` for its callbackUrl. Worker events are
 * synchronous, so queueing runs in the background, tracked for `drain`; a failure to queue is
 * logged, and the job's owed note (made when it started) lets a sweep queue it later.
 */
export function createJobWebhooks(deps: JobWebhooksDeps): JobWebhooks {
  const inFlight = new Set<Promise<void>>();
  const track = (work: Promise<void>) => {
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
  };

  const queueFinal = async (job: Job<JobData, JobResult>, state: 'completed' | 'failed') => {
    const url = job.data.callbackUrl;
    if (url) {
      const now = deps.clock();
      const view = toJobView(job, state, { now });
      const type = state === 'completed' ? 'job.completed' : 'job.failed';
      await enqueueWebhook(deps.queue, { type, url, data: view, at: job.finishedOn ?? now }, deps.clock);
    }
    await deps.owed?.settle(job.id!);
  };

  const emit = (job: Job<JobData, JobResult>, state: 'completed' | 'failed') => {
    if (!job.data.callbackUrl) return;
    track(
      queueFinal(job, state).catch((err: unknown) =>
        // The note stays, so the owed sweep tries again.
        deps.logger.error({ err, jobId: job.id, state }, 'could not queue a webhook'),
      ),
    );
  };

  return {
    started: (job) => {
      const owed = deps.owed;
      if (!owed || !job.data.callbackUrl) return;
      track(
        owed
          .note(job.id!, deps.clock())
          .catch((err: unknown) =>
            deps.logger.warn({ err, jobId: job.id }, 'could not note an owed webhook'),
          ),
      );
    },
    completed: (job) => emit(job, 'completed'),
    failed: (job, err) => {
      if (job && failedForGood(job, err)) emit(job, 'failed');
    },
    queueFinal,
    async drain() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}
