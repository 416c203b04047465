/** A worker in its own process for the waiting benchmark (its CPU is read from /proc). */
import { createAdapters, createLogger, loadProviders } from '@spillway/core';
import { startWorker } from '@spillway/worker';
import { instantAdapter } from './support.js';

const config = JSON.parse(process.env.BENCH_WORKER ?? '{}') as {
  redisUrl: string;
  prefix: string;
  providers: unknown;
  /** Answer every call at once, in process (the drain phase); otherwise the providers' URLs. */
  instant?: boolean;
};
const { instances } = loadProviders({
  fileText: JSON.stringify(config.providers),
  env: {},
  simulatorUrl: 'http://127.0.0.1:1/v1',
});
const adapters = createAdapters({});
const worker = await startWorker({
  redis: { url: config.redisUrl, cluster: false },
  prefix: config.prefix,
  concurrency: 50,
  instances,
  adapterFor: config.instant ? () => instantAdapter : adapters,
  logger: createLogger({ level: 'silent' }),
});
process.stdout.write('ready\n');
process.on('SIGTERM', () => worker.close().then(() => process.exit(0)));
