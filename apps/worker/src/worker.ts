import {
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
  closeRedis,
} from '@spillway/core';
import { Queue, Worker } from 'bullmq';
import type { Logger } from 'pino';
import { createProcessor } from './processor.js';

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
  const connect = (role: string) => {
    const c = createRedis(deps.redis, name(role));
    connections.push(c);
    return c;
  };
  const clock = deps.clock ?? Date.now;
  const pool = new Pool({ redis: connect('pool'), prefix: deps.prefix, clock, minuteWindow: deps.minuteWindow });
  const queue = new Queue<JobData, JobResult>(JOBS_QUEUE, { connection: connect('queue'), prefix });
  const processor = createProcessor({
    pool,
    queue,
    instances: deps.instances,
    adapterFor: deps.adapterFor,
    clock,
    logger: deps.logger,
    maxHops: deps.maxHops,
  });
  const worker = new Worker<JobData, JobResult>(JOBS_QUEUE, processor, {
    connection: connect('bullmq'),
    prefix,
    concurrency: deps.concurrency,
    limiter: LIMITER,
    autorun: true,
  });
  worker.on('error', (err) => deps.logger.error({ err }, 'worker error'));
  worker.on('failed', (job, err) => {
    deps.logger.info({ jobId: job?.id, err: { message: err.message } }, 'job failed');
  });
  await worker.waitUntilReady();

  return {
    pool,
    async close() {
      await worker.close();
      await queue.close();
      await Promise.all(connections.map(closeRedis));
    },
  };
}
