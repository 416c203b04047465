/**
 * A worker as its own OS process, for tests that need several (separate connections, separate
 * event loops, one Redis). Configured by SPILLWAY_TEST_WORKER (JSON); prints "ready" when it is.
 */
import { createAdapters, createLogger, loadProviders } from '@spillway/core';
import { startWorker } from '@spillway/worker';

interface WorkerProcessConfig {
  redisUrl: string;
  prefix: string;
  providers: unknown;
  simulatorUrl: string;
  concurrency: number;
  minuteWindow?: { ms: number; guardMs: number };
}

const config = JSON.parse(process.env.SPILLWAY_TEST_WORKER ?? '{}') as WorkerProcessConfig;
const providers = loadProviders({
  fileText: JSON.stringify(config.providers),
  env: {},
  simulatorUrl: config.simulatorUrl,
});
const worker = await startWorker({
  redis: { url: config.redisUrl, cluster: false },
  prefix: config.prefix,
  concurrency: config.concurrency,
  instances: providers.instances,
  adapterFor: createAdapters({ timeoutMs: 10_000 }),
  logger: createLogger({ level: (process.env.TEST_LOG_LEVEL as 'silent') ?? 'silent' }),
  minuteWindow: config.minuteWindow,
});
process.stdout.write('ready\n');
const stop = () => {
  worker.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
