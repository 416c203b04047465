import { closeRedis, followProviders, onShutdown, runMain, Secret } from '@spillway/core';
import { buildApi } from './app.js';
import { createAuthenticator } from './auth.js';
import { sharedDevKey } from './dev-key.js';
import { blockingCopy, connectApiRedis } from './redis-connection.js';

await runMain('api', async (runtime) => {
  const { config, logger } = runtime;
  const redis = await connectApiRedis(config.redis, `${config.queuePrefix}:api`);
  const subscriber = blockingCopy(redis);
  const live = await followProviders(runtime, { redis, subscriber, role: 'api' });
  let keys = config.apiKeys;
  // ADMIN_KEY opens the admin pages; in dev mode the dev API key does. With API_KEYS alone they stay off.
  let adminKey = config.adminKey;
  if (!keys) {
    // Dev mode: one key shared by every API replica (kept in Redis), printed so curl can use it.
    const key = await sharedDevKey(redis, config.queuePrefix);
    keys = [{ tenant: 'dev', key: new Secret(key) }];
    const admin = adminKey
      ? ''
      : 'It also opens /admin/pool and /admin/queues (any user, the key as password).\n';
    adminKey ??= keys[0]!.key;
    process.stdout.write(
      `\nSpillway dev mode (no API_KEYS): use this API key\n  export SPILLWAY_API_KEY=${key}\n${admin}\n`,
    );
  }
  const app = await buildApi({
    redis,
    prefix: config.queuePrefix,
    providers: live,
    authenticator: createAuthenticator(keys),
    unfinishedCaps: new Map(
      keys.flatMap(({ tenant, maxUnfinished }) => (maxUnfinished ? [[tenant, maxUnfinished] as const] : [])),
    ),
    logger,
    webhookAllowPrivate: config.webhook.allowPrivate,
    adminKey,
  });
  if (!adminKey) logger.info('admin pages off: set ADMIN_KEY to serve /admin/queues and /admin/pool');
  await app.listen({ host: config.http.host, port: config.http.port });
  onShutdown(logger, async () => {
    await app.close();
    await live.close();
    await closeRedis(subscriber);
    await closeRedis(redis);
  });
});
