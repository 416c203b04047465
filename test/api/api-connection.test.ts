import { blockingCopy, connectApiRedis } from '@spillway/api';
import { closeRedis } from '@spillway/core';
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { redisUrl } from '../support/redis.js';
import { uniquePrefix } from '../support/tracked.js';

describe("the API's Redis connection", () => {
  it('auto-pipelines what concurrent requests send, while its blocking copy pipelines nothing', async () => {
    const prefix = uniquePrefix('api-connection');
    const redis = (await connectApiRedis({ url: redisUrl(), cluster: false }, `${prefix}:api`)) as Redis;
    const copy = blockingCopy(redis) as Redis;
    try {
      expect(redis.options.enableAutoPipelining).toBe(true);
      // Twenty commands sent in one turn of the event loop leave together, and all answer.
      const sent = Array.from({ length: 20 }, (_, i) => redis.echo(`c${i}`));
      expect(redis.autoPipelineQueueSize).toBe(20);
      expect(await Promise.all(sent)).toEqual(Array.from({ length: 20 }, (_, i) => `c${i}`));
      // A blocking read holds its connection: nothing may wait behind it in a pipeline.
      expect(copy.options.enableAutoPipelining).toBe(false);
    } finally {
      copy.disconnect();
      await closeRedis(redis);
    }
  });
});
