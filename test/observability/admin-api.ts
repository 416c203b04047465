import { buildApi, connectApiRedis, createAuthenticator } from '@spillway/api';
import { closeRedis, createLogger, type Instance, Secret } from '@spillway/core';
import { redisUrl } from '../support/redis.js';

export const ADMIN_KEY = 'adm-test-0123456789abcdef';

export interface AdminApi {
  url: string;
  close(): Promise<void>;
}

export interface AdminApiOptions {
  prefix: string;
  instances: readonly Instance[];
  /** The admin key; null serves the API with the admin pages off. */
  adminKey?: string | null;
  clock?: () => number;
}

/**
 * An API on 127.0.0.1 with the admin pages on (the shared stack builds its API without an admin
 * key). On the stack's prefix it sees the stack's queues and pool.
 */
export async function startAdminApi(options: AdminApiOptions): Promise<AdminApi> {
  const redis = await connectApiRedis({ url: redisUrl(), cluster: false }, `${options.prefix}:admin-api`);
  const key = options.adminKey === undefined ? ADMIN_KEY : options.adminKey;
  const app = await buildApi({
    redis,
    prefix: options.prefix,
    instances: options.instances,
    coachingDefaults: { policy: 'same' },
    authenticator: createAuthenticator([{ tenant: 'acme', key: new Secret('sk-test-admin-api-0123456789') }]),
    logger: createLogger({ level: (process.env.TEST_LOG_LEVEL as 'silent') ?? 'silent' }),
    adminKey: key === null ? null : new Secret(key),
    clock: options.clock,
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    url,
    async close() {
      await app.close();
      await closeRedis(redis);
    },
  };
}

export function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}
