/**
 * The API as its own OS process, for tests that run several replicas against one Redis. Configured
 * by SPILLWAY_TEST_API (JSON); listens on the given port and prints "ready" when it does.
 */
import { blockingCopy, buildApi, connectApiRedis, createAuthenticator } from '@spillway/api';
import {
  closeRedis,
  createLogger,
  LiveProviders,
  loadProviders,
  onReloadSignal,
  readProvidersFile,
  Secret,
} from '@spillway/core';

interface ApiProcessConfig {
  redisUrl: string;
  cluster?: boolean;
  prefix: string;
  providers?: unknown;
  /** Instead of `providers`: a providers file, run live (SIGHUP, POST /admin/reload) as `npm run api` does. */
  providersFile?: string;
  /** Opens /admin/* (and POST /admin/reload). */
  adminKey?: string;
  simulatorUrl: string;
  port: number;
  /** Bearer key of tenant `acme`. */
  apiKey: string;
}

const config = JSON.parse(process.env.SPILLWAY_TEST_API ?? '{}') as ApiProcessConfig;
const fileText = config.providersFile
  ? await readProvidersFile(config.providersFile)
  : JSON.stringify(config.providers);
const setup = loadProviders({ fileText, env: {}, simulatorUrl: config.simulatorUrl });
const logger = createLogger({ level: (process.env.TEST_LOG_LEVEL as 'silent') ?? 'silent' });
const redis = await connectApiRedis(
  { url: config.redisUrl, cluster: config.cluster ?? false },
  `${config.prefix}:api-process`,
);
const subscriber = config.providersFile ? blockingCopy(redis) : undefined;
const live = subscriber
  ? await LiveProviders.start(
      {
        file: config.providersFile!,
        env: {},
        simulatorUrl: config.simulatorUrl,
        redis,
        subscriber,
        prefix: config.prefix,
        logger,
        role: 'api',
      },
      { setup, text: fileText },
    )
  : undefined;
if (live) onReloadSignal(logger, live);
const app = await buildApi({
  redis,
  prefix: config.prefix,
  instances: setup.instances,
  coachingDefaults: setup.defaults.coaching,
  providers: live,
  adminKey: config.adminKey ? new Secret(config.adminKey) : undefined,
  authenticator: createAuthenticator([{ tenant: 'acme', key: new Secret(config.apiKey) }]),
  logger,
});
await app.listen({ host: '127.0.0.1', port: config.port });
process.stdout.write('ready\n');
const stop = () => {
  app
    .close()
    .then(() => live?.close())
    .then(() => subscriber && closeRedis(subscriber))
    .then(() => closeRedis(redis))
    .then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
