import { buildApi, connectApiRedis, createAuthenticator } from '@spillway/api';
import { closeRedis, createLogger, loadProviders, type RedisTarget, Secret } from '@spillway/core';

export const API_SERVER_KEY = 'sk-test-faults-0123456789abcdef';

export interface ApiServer {
  url: string;
  /** Authorized JSON request; `body` is sent as JSON when given. */
  request(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Response>;
  close(): Promise<void>;
}

export interface ApiServerOptions {
  redis: RedisTarget;
  prefix: string;
  /** Providers file content; the API only needs it to know the models. */
  providers: unknown;
  simulatorUrl: string;
  webhookAllowPrivate?: boolean;
}

/**
 * The API alone, in this process, on 127.0.0.1, against any Redis (a private one, a cluster), with
 * its Redis connection made as `npm run api` makes it. Tenant `acme`, key API_SERVER_KEY.
 */
export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const { instances, defaults } = loadProviders({
    fileText: JSON.stringify(options.providers),
    env: {},
    simulatorUrl: options.simulatorUrl,
  });
  const redis = await connectApiRedis(options.redis, `${options.prefix}:api`);
  const app = await buildApi({
    redis,
    prefix: options.prefix,
    instances,
    coachingDefaults: defaults.coaching,
    authenticator: createAuthenticator([{ tenant: 'acme', key: new Secret(API_SERVER_KEY) }]),
    logger: createLogger({ level: (process.env.TEST_LOG_LEVEL as 'silent') ?? 'silent' }),
    webhookAllowPrivate: options.webhookAllowPrivate ?? false,
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  let closing: Promise<void> | undefined;
  return {
    url,
    request(method, path, body, headers = {}) {
      return fetch(`${url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${API_SERVER_KEY}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    },
    close() {
      closing ??= (async () => {
        await app.close();
        await closeRedis(redis);
      })();
      return closing;
    },
  };
}
