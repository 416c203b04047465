import { closeRedis, createRedis, redisConnectionOptions } from '@spillway/core';
import type { Cluster } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { jobsQueue, planJob } from '../support/enqueue.js';
import { hasRedisServer, startPrivateRedis } from '../support/private-redis.js';
import { testRedisOptions } from '../support/redis.js';
import { uniquePrefix } from '../support/tracked.js';

describe('a REDIS_URL is read whole', () => {
  it('gives host, port, user, password, database, TLS and query options', () => {
    expect(
      redisConnectionOptions(
        'rediss://app%40eu:p%3Ass%2Fw@redis.example:6380/7?family=6&connectTimeout=2500',
      ),
    ).toEqual({
      host: 'redis.example',
      port: 6380,
      username: 'app@eu',
      password: 'p:ss/w',
      db: 7,
      tls: {},
      family: 6,
      connectTimeout: 2500,
    });
    expect(redisConnectionOptions('redis://:only-a-password@[::1]')).toEqual({
      host: '::1',
      port: 6379,
      password: 'only-a-password',
    });
    expect(redisConnectionOptions('redis://cache:6380?tls=true')).toEqual({
      host: 'cache',
      port: 6380,
      tls: {},
    });
  });

  it('refuses what is not a Redis URL, or a path that is not a database number', () => {
    expect(() => redisConnectionOptions('http://127.0.0.1:6379')).toThrow(/redis:\/\/ or rediss:\/\//);
    expect(() => redisConnectionOptions('redis://127.0.0.1:6379/zero')).toThrow(/database number/);
  });

  it('keeps user, password and TLS for every node of a cluster', () => {
    const cluster = createRedis({ url: 'rediss://ops:pw@10.0.0.1:7000', cluster: true }, 'seed', {
      lazyConnect: true,
    }) as Cluster;
    expect(cluster.options.redisOptions).toMatchObject({ username: 'ops', password: 'pw', tls: {} });
    expect(Reflect.get(cluster, 'startupNodes')).toEqual([{ host: '10.0.0.1', port: 7000 }]);
    cluster.disconnect();
  });
});

describe.skipIf(!hasRedisServer())('the test helpers use the whole REDIS_URL', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  it('enqueue into the database, as the user, the URL names; nothing lands in database 0', async () => {
    const redis = await startPrivateRedis(['--user', 'tester', 'on', '>t3st:pw', '~*', '&*', '+@all']);
    cleanup.push(() => redis.stop());
    const url = `redis://tester:t3st%3Apw@127.0.0.1:${redis.port}/5`;
    const prefix = uniquePrefix('dburl');

    const queue = jobsQueue(prefix, url);
    cleanup.push(() => queue.close());
    await queue.add('plan', planJob(1), { jobId: 'job_dburl1x' });

    const db5 = createRedis({ url, cluster: false }, `${prefix}:check`);
    const db0 = createRedis({ url: url.replace(/\/5$/, '/0'), cluster: false }, `${prefix}:check0`);
    cleanup.push(() => closeRedis(db5));
    cleanup.push(() => closeRedis(db0));
    expect(await db5.call('ACL', 'WHOAMI')).toBe('tester');
    expect(await db5.keys(`*${prefix}*`)).not.toEqual([]);
    expect(await db0.dbsize()).toBe(0);
    expect(testRedisOptions(prefix, 'x', url)).toMatchObject({
      db: 5,
      username: 'tester',
      password: 't3st:pw',
    });
  });
});
