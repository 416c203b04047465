import type { LevelWithSilent } from 'pino';
import { z } from 'zod';
import { DEFAULT_SIMULATOR_URL } from '../catalog/simulated.js';
import {
  adminKey,
  apiKeys,
  type EnvValue,
  flag,
  httpUrl,
  integerBetween,
  matching,
  oneOf,
  redisUrl,
  type TenantKey,
  webhookSecret,
} from './env-values.js';
import { ConfigError } from './errors.js';
import { deepFreeze } from './freeze.js';
import { describeIssues } from './issue-path.js';
import type { Secret } from './secret.js';

export type { TenantKey };

export const LOG_LEVELS = [
  'fatal',
  'error',
  'warn',
  'info',
  'debug',
  'trace',
  'silent',
] as const satisfies readonly LevelWithSilent[];
export type LogLevel = (typeof LOG_LEVELS)[number];

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

export interface Config {
  readonly redis: { readonly url: string; readonly cluster: boolean };
  readonly http: { readonly host: string; readonly port: number };
  /** Path of the providers file; null means the built-in simulated providers. */
  readonly providersFile: string | null;
  /** Bearer keys, one tenant each; null is dev mode (the app makes and prints a key). */
  readonly apiKeys: ReadonlyArray<Readonly<TenantKey>> | null;
  /**
   * The admin pages' key (Bearer, or the HTTP Basic password). Null: in dev mode (no API_KEYS) the
   * dev API key opens them; with API_KEYS set, the admin pages are off.
   */
  readonly adminKey: Secret | null;
  /** A null secret is dev mode: the app generates one and prints it. */
  readonly webhook: { readonly secret: Secret | null; readonly allowPrivate: boolean };
  /** Without braces: the pool wraps it in a hash tag itself. */
  readonly queuePrefix: string;
  readonly workerConcurrency: number;
  readonly logLevel: LogLevel;
  /** Base URL for `simulated` providers that give no baseUrl. */
  readonly simulatorUrl: string;
}

/**
 * One environment variable. Unset and empty (`PORT=` in a compose file) both mean "use the default";
 * surrounding whitespace, a common copy-paste accident, is ignored.
 */
function variable<T, D extends T | null>(read: (raw: string) => EnvValue<T>, fallback: D) {
  return z
    .string()
    .optional()
    .transform((raw, context): T | D => {
      const text = raw?.trim();
      if (text === undefined || text === '') return fallback;
      const result = read(text);
      if (result.ok) return result.value;
      context.addIssue({ code: 'custom', message: result.reason });
      return z.NEVER;
    });
}

const keep = (raw: string): EnvValue<string> => ({ ok: true, value: raw });

/** Reads the environment variables of DESIGN.md's table into a Config. Unrelated variables are ignored. */
export const ConfigSchema = z
  .object({
    REDIS_URL: variable(redisUrl, DEFAULT_REDIS_URL),
    REDIS_CLUSTER: variable(flag, false),
    PORT: variable((raw) => integerBetween(raw, 0, 65_535), 3000),
    HOST: variable((raw) => matching(raw, /^\S+$/, 'a host name or address without spaces'), '127.0.0.1'),
    PROVIDERS_FILE: variable(keep, null),
    API_KEYS: variable(apiKeys, null),
    ADMIN_KEY: variable(adminKey, null),
    WEBHOOK_SECRET: variable(webhookSecret, null),
    WEBHOOK_ALLOW_PRIVATE: variable(flag, false),
    QUEUE_PREFIX: variable(
      (raw) => matching(raw, /^[A-Za-z0-9_:-]{1,64}$/, '1 to 64 of A-Z a-z 0-9 _ : - (no braces)'),
      'spillway',
    ),
    WORKER_CONCURRENCY: variable((raw) => integerBetween(raw, 1, 1000), 50),
    LOG_LEVEL: variable((raw) => oneOf(raw, LOG_LEVELS), 'info'),
    SIMULATOR_URL: variable(httpUrl, DEFAULT_SIMULATOR_URL),
  })
  .transform(
    (env): Config => ({
      redis: { url: env.REDIS_URL, cluster: env.REDIS_CLUSTER },
      http: { host: env.HOST, port: env.PORT },
      providersFile: env.PROVIDERS_FILE,
      apiKeys: env.API_KEYS,
      adminKey: env.ADMIN_KEY,
      webhook: { secret: env.WEBHOOK_SECRET, allowPrivate: env.WEBHOOK_ALLOW_PRIVATE },
      queuePrefix: env.QUEUE_PREFIX,
      workerConcurrency: env.WORKER_CONCURRENCY,
      logLevel: env.LOG_LEVEL,
      simulatorUrl: env.SIMULATOR_URL,
    }),
  );

/** Validates the environment once, at start. Throws a ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const result = ConfigSchema.safeParse(env);
  if (!result.success) throw new ConfigError('Invalid configuration', describeIssues(result.error.issues));
  return deepFreeze(result.data);
}
