import { createAdapters, onShutdown, runMain } from '@spillway/core';
import { startWorker } from './worker.js';

await runMain('worker', async ({ config, providers, logger }) => {
  const adapters = createAdapters({});
  const worker = await startWorker({
    redis: config.redis,
    prefix: config.queuePrefix,
    concurrency: config.workerConcurrency,
    instances: providers.instances,
    adapterFor: adapters,
    logger,
  });
  logger.info(
    { instances: providers.instances.map((i) => i.id), concurrency: config.workerConcurrency },
    'worker ready',
  );
  onShutdown(logger, () => worker.close());
});
