import {
  CancelWatch,
  closeRedis,
  createRedis,
  hashTaggedPrefix,
  type Instance,
  JOBS_QUEUE,
  type JobData,
  type JobResult,
  Pool,
  type ProviderAdapter,
  type ProviderType,
  type RedisClient,
  type RedisTarget,
} from '@spillway/core';
import { Queue, Worker } from 'bullmq';
import type { RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { createBatchBookkeeping } from './batches/bookkeeping.js';
import { CapacityGate } from './capacity-gate.js';
import { createProcessor } from './processor.js';
import { startWebhooks, type WebhookOptions } from './webhooks/start.js';

export interface WorkerDeps {
  redis: RedisTarget;
  prefix: string;
  concurrency: number;
  instances: readonly Instance[];
  adapterFor: (type: ProviderType) => ProviderAdapter;
  logger: Logger;
  clock?: () => number;
  /** Provider calls one processing run may make before the loop guard stops the job. */
  maxHops?: number;
  /** See PoolDeps.minuteWindow: tests shorten the minute; production leaves it alone. */
  minuteWindow?: { ms: number; guardMs: number };
  /** Signed callbacks when jobs finish; without it no webhook is sent. */
  webhooks?: WebhookOptions;
}

export interface RunningWorker {
  pool: Pool;
  /** Stops taking jobs, lets running ones finish (BullMQ's graceful close), closes connections. */
  close(): Promise<void>;
}

/**
 * A BullMQ limiter must be configured for the queue-wide rate limit (`queue.rateLimit`) to take
 * effect; this one is far above any real throughput, so only the manual limit ever bites.
 */
const LIMITER = { max: 1_000_000, duration: 1000 };

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
  const pool = new Pool({ redis: poolRedis, prefix: deps.prefix, clock, minuteWindow: deps.minuteWindow });
  const queue = new Queue<JobData, JobResult>(JOBS_QUEUE, { connection: connect('queue'), prefix });
  const webhooks = deps.webhooks
    ? await startWebhooks(deps.webhooks, { connect, prefix: deps.prefix, clock, logger: deps.logger })
    : null;
  const processor = createProcessor({
    pool,
    queue,
    instances: deps.instances,
    adapterFor: deps.adapterFor,
    clock,
    logger: deps.logger,
    maxHops: deps.maxHops,
    // Waits up to about a window are held in memory, one job per candidate set at a time.
    gate: new CapacityGate(),
    cancels: new CancelWatch({
      redis: async () => poolRedis,
      prefix: deps.prefix,
      onError: (err) => deps.logger.warn({ err }, 'could not read cancel marks'),
    }),
    holdMs: (deps.minuteWindow?.ms ?? 60_000) + 5_000,
  });
  const worker = new Worker<JobData, JobResult>(JOBS_QUEUE, processor, {
    connection: connect('bullmq'),
    prefix,
    concurrency: deps.concurrency,
    limiter: LIMITER,
    autorun: true,
  });
  const batches = createBatchBookkeeping({
    redis: connect('batches'),
    prefix: deps.prefix,
    clock,
    logger: deps.logger,
    webhooks: webhooks?.queue ?? null,
  });
  worker.on('error', (err) => deps.logger.error({ err }, 'worker error'));
  worker.on('active', (job) => batches.started(job));
  worker.on('failed', (job, err) => {
    deps.logger.info({ jobId: job?.id, err: { message: err.message } }, 'job failed');
    webhooks?.jobs.failed(job, err);
    batches.failed(job, err);
  });
  worker.on('completed', (job) => {
    webhooks?.jobs.completed(job);
    batches.completed(job);
  });
  await worker.waitUntilReady();

  return {
    pool,
    async close() {
      await worker.close();
      await batches.drain();
      await webhooks?.close();
      await queue.close();
      await Promise.all(connections.map(closeRedis));
    },
  };
}
