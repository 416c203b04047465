import { createAdapters, onShutdown, runMain } from '@spillway/core';
import { resolveWebhookSecret } from './webhooks/dev-secret.js';
import { startWorker } from './worker.js';

await runMain('worker', async ({ config, providers, logger }) => {
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
    instances: providers.instances,
    adapterFor: adapters,
    logger,
    webhooks: { secret: webhookSecret, allowPrivate: config.webhook.allowPrivate },
  });
  logger.info(
    { instances: providers.instances.map((i) => i.id), concurrency: config.workerConcurrency },
    'worker ready',
  );
  onShutdown(logger, () => worker.close());
});
