import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { Cluster, Redis, type RedisOptions } from 'ioredis';

export type RedisClient = Redis | Cluster;

export interface RedisTarget {
  url: string;
  cluster: boolean;
}

/** What a Redis URL says; the query options are ioredis options by name (`family`, `connectTimeout`, …). */
export interface RedisUrlOptions {
  host?: string;
  port: number;
  username?: string;
  password?: string;
  db?: number;
  tls?: TlsOptions;
  [option: string]: unknown;
}

/**
 * The whole of a REDIS_URL as ioredis options: host, port, username, password, database, TLS for
 * `rediss://`, and every query option (`?family=6`, `?connectTimeout=…`), read as ioredis reads a
 * URL. This is the one place a URL becomes options, so that a connection BullMQ opens from options,
 * a cluster seed and a plain connection never disagree about the database or the user.
 */
export function redisConnectionOptions(url: string): RedisUrlOptions {
  const parsed = new URL(url);
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new Error('a Redis URL must start with redis:// or rediss://');
  }
  const { tls, ...query } = Object.fromEntries(
    [...parsed.searchParams].map(([key, value]) => [key, queryValue(value)]),
  );
  const options: RedisUrlOptions = { ...query, port: parsed.port === '' ? 6379 : Number(parsed.port) };
  if (parsed.hostname !== '') options.host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (parsed.username !== '') options.username = decodeURIComponent(parsed.username);
  if (parsed.password !== '') options.password = decodeURIComponent(parsed.password);
  const db = parsed.pathname.replace(/^\//, '');
  if (db !== '') {
    if (!/^\d+$/.test(db)) throw new Error(`a Redis URL's path is a database number (got "/${db}")`);
    options.db = Number(db);
  }
  // `rediss://`, or `?tls=true` on a redis:// URL, is TLS with Node's defaults.
  if (parsed.protocol === 'rediss:' ? tls !== false : tls === true) options.tls = {};
  return options;
}

/** Query options are strings in a URL; the numeric and boolean ones ioredis expects are typed back. */
function queryValue(raw: string): string | number | boolean {
  if (/^\d+$/.test(raw)) return Number(raw);
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  return raw;
}

/**
 * Opens one named connection. Names carry the key prefix so that a test (or an operator running
 * CLIENT LIST) can tell whose connection it is. `maxRetriesPerRequest: null` is what BullMQ needs for
 * blocking commands, and it also makes commands wait through a Redis restart instead of failing fast.
 */
export function createRedis(target: RedisTarget, name: string, extra: RedisOptions = {}): RedisClient {
  const options: RedisOptions = {
    ...redisConnectionOptions(target.url),
    connectionName: name,
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    ...extra,
  };
  if (!target.cluster) return new Redis(options);
  // A cluster has one database and finds its nodes from the seed; everything else applies per node.
  // It queues (or refuses) and pipelines commands itself, not per node; it decides when to connect too.
  const {
    host,
    port,
    db: _db,
    enableOfflineQueue,
    lazyConnect,
    enableAutoPipelining,
    ...nodeOptions
  } = options;
  return new Cluster([{ host: host ?? '127.0.0.1', port: port ?? 6379 }], {
    redisOptions: nodeOptions,
    // Cluster nodes announce 127.0.0.1 on loopback test clusters; keep slots refreshed after failover.
    slotsRefreshTimeout: 2000,
    ...(enableOfflineQueue === undefined ? {} : { enableOfflineQueue }),
    ...(lazyConnect === undefined ? {} : { lazyConnect }),
    ...(enableAutoPipelining === undefined ? {} : { enableAutoPipelining }),
  });
}

/** Closes a connection politely, falling back to a hard disconnect when Redis is gone. */
export async function closeRedis(client: RedisClient): Promise<void> {
  if (client.status === 'end') return;
  try {
    await client.quit();
  } catch {
    client.disconnect();
  }
}
