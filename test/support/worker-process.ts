/**
 * A worker as its own OS process, for tests that need several (separate connections, separate
 * event loops, one Redis) or that kill one. Configured by SPILLWAY_TEST_WORKER (JSON); prints
 * "ready" when it is.
 */
import {
  closeRedis,
  createAdapters,
  createLogger,
  createRedis,
  LiveProviders,
  loadProviders,
  onReloadSignal,
  readProvidersFile,
  Secret,
} from '@spillway/core';
import { startWorker } from '@spillway/worker';

interface WorkerProcessConfig {
  redisUrl: string;
  /** The URL is a Redis Cluster seed node. */
  cluster?: boolean;
  prefix: string;
  providers?: unknown;
  /** Instead of `providers`: a providers file, run live (SIGHUP reloads it) as `npm run worker` does. */
  providersFile?: string;
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
const target = { url: config.redisUrl, cluster: config.cluster ?? false };
const logger = createLogger({ level: (process.env.TEST_LOG_LEVEL as 'silent') ?? 'silent' });
const fileText = config.providersFile
  ? await readProvidersFile(config.providersFile)
  : JSON.stringify(config.providers);
const providers = loadProviders({ fileText, env: {}, simulatorUrl: config.simulatorUrl });
const liveConnections = config.providersFile
  ? [
      createRedis(target, `${config.prefix}:worker:providers`),
      createRedis(target, `${config.prefix}:worker:sub`),
    ]
  : [];
const live = config.providersFile
  ? await LiveProviders.start(
      {
        file: config.providersFile,
        env: {},
        simulatorUrl: config.simulatorUrl,
        redis: liveConnections[0]!,
        subscriber: liveConnections[1]!,
        prefix: config.prefix,
        logger,
        role: 'worker',
      },
      { setup: providers, text: fileText },
    )
  : undefined;
if (live) onReloadSignal(logger, live);
const worker = await startWorker({
  redis: target,
  prefix: config.prefix,
  concurrency: config.concurrency,
  instances: providers.instances,
  providers: live,
  adapterFor: createAdapters({ timeoutMs: config.adapterTimeoutMs ?? 10_000 }),
  logger,
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
  worker
    .close()
    .then(() => live?.close())
    .then(() => Promise.all(liveConnections.map(closeRedis)))
    .then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
