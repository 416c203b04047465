import { closeRedis, createRedis, onShutdown, runMain, Secret } from '@spillway/core';
import { buildApi } from './app.js';
import { createAuthenticator } from './auth.js';
import { sharedDevKey } from './dev-key.js';

await runMain('api', async ({ config, providers, logger }) => {
  const redis = createRedis(config.redis, `${config.queuePrefix}:api`);
  let keys = config.apiKeys;
  if (!keys) {
    // Dev mode: one key shared by every API replica (kept in Redis), printed so curl can use it.
    const key = await sharedDevKey(redis, config.queuePrefix);
    keys = [{ tenant: 'dev', key: new Secret(key) }];
    process.stdout.write(
      `\nSpillway dev mode (no API_KEYS): use this API key\n  export SPILLWAY_API_KEY=${key}\n\n`,
    );
  }
  const app = await buildApi({
    redis,
    prefix: config.queuePrefix,
    instances: providers.instances,
    coachingDefaults: providers.defaults.coaching,
    authenticator: createAuthenticator(keys),
    logger,
    webhookAllowPrivate: config.webhook.allowPrivate,
  });
  await app.listen({ host: config.http.host, port: config.http.port });
  onShutdown(logger, async () => {
    await app.close();
    await closeRedis(redis);
  });
});
