import {
  closeRedis,
  createAdapters,
  createRedis,
  followProviders,
  onShutdown,
  runMain,
} from '@spillway/core';
import { resolveWebhookSecret } from './webhooks/dev-secret.js';
import { startWorker } from './worker.js';

await runMain('worker', async (runtime) => {
  const { config, logger } = runtime;
  const redis = createRedis(config.redis, `${config.queuePrefix}:worker:providers`);
  const subscriber = createRedis(config.redis, `${config.queuePrefix}:worker:providers-sub`);
  const live = await followProviders(runtime, { redis, subscriber, role: 'worker' });
  const adapters = createAdapters({});
  const webhookSecret = await resolveWebhookSecret(
    config.webhook.secret,
    config.redis,
    config.queuePrefix,
    // Dev mode: printed once, like the dev API key, so a receiver can verify signatures.
    (secret) => {
      process.stdout.write(
        `\nSpillway dev mode (no WEBHOOK_SECRET): webhooks are signed with\n  WEBHOOK_SECRET=${secret.reveal()}\n\n`,
      );
    },
  );
  const worker = await startWorker({
    redis: config.redis,
    prefix: config.queuePrefix,
    concurrency: config.workerConcurrency,
    providers: live,
    adapterFor: adapters,
    logger,
    webhooks: { secret: webhookSecret, allowPrivate: config.webhook.allowPrivate },
  });
  logger.info(
    {
      instances: live.current().instances.map((i) => i.id),
      providersVersion: live.current().version,
      concurrency: config.workerConcurrency,
    },
    'worker ready',
  );
  onShutdown(logger, async () => {
    await worker.close();
    await live.close();
    await closeRedis(subscriber);
    await closeRedis(redis);
  });
});
