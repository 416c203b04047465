import { Cluster, Redis, type RedisOptions } from 'ioredis';

export type RedisClient = Redis | Cluster;

export interface RedisTarget {
  url: string;
  cluster: boolean;
}

/**
 * Opens one named connection. Names carry the key prefix so that a test (or an operator running
 * CLIENT LIST) can tell whose connection it is. `maxRetriesPerRequest: null` is what BullMQ needs for
 * blocking commands, and it also makes commands wait through a Redis restart instead of failing fast.
 */
export function createRedis(target: RedisTarget, name: string, extra: RedisOptions = {}): RedisClient {
  const options: RedisOptions = {
    connectionName: name,
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    ...extra,
  };
  if (!target.cluster) return new Redis(target.url, options);
  const seed = new URL(target.url);
  // A cluster queues commands (or refuses them) itself, not per node; it decides when to connect too.
  const { enableOfflineQueue, lazyConnect, ...nodeOptions } = options;
  return new Cluster([{ host: seed.hostname, port: Number(seed.port || 6379) }], {
    redisOptions: {
      ...nodeOptions,
      username: seed.username || undefined,
      password: seed.password || undefined,
    },
    // Cluster nodes announce 127.0.0.1 on loopback test clusters; keep slots refreshed after failover.
    slotsRefreshTimeout: 2000,
    ...(enableOfflineQueue === undefined ? {} : { enableOfflineQueue }),
    ...(lazyConnect === undefined ? {} : { lazyConnect }),
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
