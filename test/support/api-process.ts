/**
 * The API as its own OS process, for tests that run several replicas against one Redis. Configured
 * by SPILLWAY_TEST_API (JSON); listens on the given port and prints "ready" when it does.
 */
import { buildApi, connectApiRedis, createAuthenticator } from '@spillway/api';
import { closeRedis, createLogger, loadProviders, Secret } from '@spillway/core';

interface ApiProcessConfig {
  redisUrl: string;
  cluster?: boolean;
  prefix: string;
  providers: unknown;
  simulatorUrl: string;
  port: number;
  /** Bearer key of tenant `acme`. */
  apiKey: string;
}

const config = JSON.parse(process.env.SPILLWAY_TEST_API ?? '{}') as ApiProcessConfig;
const { instances, defaults } = loadProviders({
  fileText: JSON.stringify(config.providers),
  env: {},
  simulatorUrl: config.simulatorUrl,
});
const redis = await connectApiRedis(
  { url: config.redisUrl, cluster: config.cluster ?? false },
  `${config.prefix}:api-process`,
);
const app = await buildApi({
  redis,
  prefix: config.prefix,
  instances,
  coachingDefaults: defaults.coaching,
  authenticator: createAuthenticator([{ tenant: 'acme', key: new Secret(config.apiKey) }]),
  logger: createLogger({ level: (process.env.TEST_LOG_LEVEL as 'silent') ?? 'silent' }),
});
await app.listen({ host: '127.0.0.1', port: config.port });
process.stdout.write('ready\n');
const stop = () => {
  app
    .close()
    .then(() => closeRedis(redis))
    .then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
