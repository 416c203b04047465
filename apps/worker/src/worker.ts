import {
  CancelWatch,
  closeRedis,
  createRedis,
  fixedProviders,
  hashTaggedPrefix,
  type Instance,
  JOBS_QUEUE,
  type JobData,
  type JobResult,
  Pool,
  type PoolDeps,
  type ProviderAdapter,
  type ProvidersSource,
  type ProviderType,
  type RedisClient,
  type RedisTarget,
  WaitingRoom,
} from '@spillway/core';
import { Queue, Worker } from 'bullmq';
import type { RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { createBatchBookkeeping } from './batches/bookkeeping.js';
import { createCoachingParentEvents } from './coaching-parent.js';
import { createWorkerMetrics } from './metrics/worker-metrics.js';
import { createProcessor } from './processor.js';
import { createQuotaRelease } from './quota-release.js';
import { startWebhooks, type WebhookOptions } from './webhooks/start.js';

export interface WorkerDeps {
  redis: RedisTarget;
  prefix: string;
  concurrency: number;
  /**
   * The providers in force, live (`npm run worker`: LiveProviders); each job reads the instances
   * when it runs, so a reload applies to the next job. Without it, `instances` is fixed.
   */
  providers?: ProvidersSource;
  instances?: readonly Instance[];
  adapterFor: (type: ProviderType) => ProviderAdapter;
  logger: Logger;
  clock?: () => number;
  /** Reroutes (too large, quota) one processing run may make before the loop guard stops the job. */
  maxHops?: number;
  /** See WaitingRoomDeps: tests shorten how often a process looks at the wake schedule. */
  waiting?: { leaseMs?: number; checkMs?: number };
  /** See PoolDeps.minuteWindow: tests shorten the minute; production leaves it alone. */
  minuteWindow?: { ms: number; guardMs: number };
  /** See PoolDeps.slots: tests shorten the lease of a capped instance's slots. */
  slots?: PoolDeps['slots'];
  /** Signed callbacks when jobs finish; without it no webhook is sent. */
  webhooks?: WebhookOptions;
  /**
   * How soon a job whose worker died (SIGKILL, crash, lost host) goes back to the queue: its lock
   * lapses after `lockDurationMs` and another worker's check every `stalledIntervalMs` requeues it.
   * BullMQ's defaults (30 s each) when omitted; tests shorten them.
   */
  stalled?: { lockDurationMs: number; stalledIntervalMs: number };
}

export interface RunningWorker {
  pool: Pool;
  /** Writes this process's metric counts to Redis now (they go every second anyway). */
  flushMetrics(): Promise<void>;
  /** Stops taking jobs, lets running ones finish (BullMQ's graceful close), closes connections. */
  close(): Promise<void>;
}

export async function startWorker(deps: WorkerDeps): Promise<RunningWorker> {
  const prefix = hashTaggedPrefix(deps.prefix);
  const name = (role: string) => `${deps.prefix}:worker:${role}`;
  const connections: RedisClient[] = [];
  const connect = (role: string, options: RedisOptions = {}) => {
    const c = createRedis(deps.redis, name(role), options);
    connections.push(c);
    return c;
  };
  const clock = deps.clock ?? Date.now;
  // Auto-pipelining: the choices and settlements of concurrent jobs share round trips.
  const poolRedis = connect('pool', { enableAutoPipelining: true });
  const metrics = createWorkerMetrics({ redis: poolRedis, prefix: deps.prefix, logger: deps.logger });
  const queue = new Queue<JobData, JobResult>(JOBS_QUEUE, { connection: connect('queue'), prefix });
  const webhooks = deps.webhooks
    ? await startWebhooks(deps.webhooks, {
        connect,
        prefix: deps.prefix,
        clock,
        logger: deps.logger,
        meter: metrics,
        stalled: deps.stalled,
      })
    : null;
  const providers =
    deps.providers ??
    fixedProviders({ instances: deps.instances ?? [], defaults: { coaching: { policy: 'same' } } });
  const waiting = new WaitingRoom({
    redis: poolRedis,
    prefix: deps.prefix,
    queueName: JOBS_QUEUE,
    clock,
    logger: deps.logger,
    ...deps.waiting,
  });
  const pool = new Pool({
    redis: poolRedis,
    prefix: deps.prefix,
    clock,
    minuteWindow: deps.minuteWindow,
    slots: deps.slots,
    // A call's end on a capped instance is capacity returning: the jobs waiting for it go now.
    onSlotFreed: (instance) => {
      waiting
        .slotFreed(instance.id)
        .catch((err: unknown) =>
          deps.logger.warn({ err, instance: instance.id }, 'could not release the jobs waiting for a slot'),
        );
    },
  });
  const processor = createProcessor({
    pool,
    queue,
    get instances() {
      return providers.current().instances;
    },
    adapterFor: deps.adapterFor,
    clock,
    logger: deps.logger,
    maxHops: deps.maxHops,
    meter: metrics,
    waiting,
    minuteMs: deps.minuteWindow?.ms ?? 60_000,
    cancels: new CancelWatch({
      redis: async () => poolRedis,
      prefix: deps.prefix,
      onError: (err) => deps.logger.warn({ err }, 'could not read cancel marks'),
    }),
  });
  const worker = new Worker<JobData, JobResult>(JOBS_QUEUE, processor, {
    connection: connect('bullmq'),
    prefix,
    concurrency: deps.concurrency,
    autorun: true,
    ...(deps.stalled
      ? { lockDuration: deps.stalled.lockDurationMs, stalledInterval: deps.stalled.stalledIntervalMs }
      : {}),
  });
  const batches = createBatchBookkeeping({
    redis: connect('batches'),
    prefix: deps.prefix,
    clock,
    logger: deps.logger,
    webhooks: webhooks?.queue ?? null,
  });
  const coachingParents = createCoachingParentEvents({
    queue,
    failed: (parent, err) => webhooks?.jobs.failed(parent, err),
    logger: deps.logger,
  });
  const quotas = createQuotaRelease({ redis: poolRedis, prefix: deps.prefix, logger: deps.logger });
  // A plan that has ended releases the coaching jobs parked on it (a client-named planJobId).
  const planEnded = (job: { id?: string; data: JobData; finishedOn?: number } | undefined) => {
    if (!job?.id || job.data.kind !== 'plan' || job.data.coachingJobId || job.finishedOn === undefined)
      return;
    waiting
      .releaseFollowers(job.id)
      .catch((err: unknown) =>
        deps.logger.warn({ err, jobId: job.id }, 'could not release the coaching jobs waiting for a plan'),
      );
  };
  worker.on('error', (err) => deps.logger.error({ err }, 'worker error'));
  worker.on('active', (job) => {
    batches.started(job);
    webhooks?.jobs.started(job);
  });
  worker.on('failed', (job, err) => {
    deps.logger.info({ jobId: job?.id, err: { message: err.message } }, 'job failed');
    webhooks?.jobs.failed(job, err);
    batches.failed(job, err);
    coachingParents.planFailed(job, err);
    quotas.failed(job);
    planEnded(job);
    metrics.jobFailed(job, err);
  });
  worker.on('completed', (job) => {
    webhooks?.jobs.completed(job);
    batches.completed(job);
    quotas.completed(job);
    planEnded(job);
    metrics.jobCompleted(job);
  });
  await worker.waitUntilReady();
  waiting.start();

  return {
    pool,
    flushMetrics: () => metrics.flush(),
    async close() {
      await waiting.close();
      await worker.close();
      await batches.drain();
      await coachingParents.drain();
      await quotas.drain();
      await webhooks?.close();
      await queue.close();
      await metrics.close();
      await Promise.all(connections.map(closeRedis));
    },
  };
}
