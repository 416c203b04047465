/**
 * A worker as its own OS process, for tests that need several (separate connections, separate
 * event loops, one Redis) or that kill one. Configured by SPILLWAY_TEST_WORKER (JSON); prints
 * "ready" when it is.
 */
import { createAdapters, createLogger, loadProviders, Secret } from '@spillway/core';
import { startWorker } from '@spillway/worker';

interface WorkerProcessConfig {
  redisUrl: string;
  /** The URL is a Redis Cluster seed node. */
  cluster?: boolean;
  prefix: string;
  providers: unknown;
  simulatorUrl: string;
  concurrency: number;
  minuteWindow?: { ms: number; guardMs: number };
  /** Whole-call limit of each provider call. */
  adapterTimeoutMs?: number;
  /** Signed callbacks; none are sent without it. */
  webhooks?: { secret: string; allowPrivate: boolean; retryScheduleMs?: number[]; owedSweepMs?: number };
  /** Shorter stalled-job recovery than BullMQ's 30 s, for tests that kill workers. */
  stalled?: { lockDurationMs: number; stalledIntervalMs: number };
}

const config = JSON.parse(process.env.SPILLWAY_TEST_WORKER ?? '{}') as WorkerProcessConfig;
const providers = loadProviders({
  fileText: JSON.stringify(config.providers),
  env: {},
  simulatorUrl: config.simulatorUrl,
});
const worker = await startWorker({
  redis: { url: config.redisUrl, cluster: config.cluster ?? false },
  prefix: config.prefix,
  concurrency: config.concurrency,
  instances: providers.instances,
  adapterFor: createAdapters({ timeoutMs: config.adapterTimeoutMs ?? 10_000 }),
  logger: createLogger({ level: (process.env.TEST_LOG_LEVEL as 'silent') ?? 'silent' }),
  minuteWindow: config.minuteWindow,
  stalled: config.stalled,
  webhooks: config.webhooks && {
    secret: new Secret(config.webhooks.secret),
    allowPrivate: config.webhooks.allowPrivate,
    retryScheduleMs: config.webhooks.retryScheduleMs,
    owedSweepMs: config.webhooks.owedSweepMs,
  },
});
process.stdout.write('ready\n');
const stop = () => {
  worker.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
