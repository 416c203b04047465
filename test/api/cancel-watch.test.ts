import { CancelWatch, cancelMarkKey, closeRedis } from '@spillway/core';
import { describe, expect, it } from 'vitest';
import { testRedis } from '../support/redis.js';
import { uniquePrefix } from '../support/tracked.js';

describe('CancelWatch (how a worker learns that a running job was cancelled)', () => {
  it('calls back once when the mark appears, and not for jobs it stopped watching', async () => {
    const prefix = uniquePrefix('cw');
    const redis = testRedis(prefix);
    try {
      const watch = new CancelWatch({ redis: async () => redis, prefix, intervalMs: 10 });
      const calls: string[] = [];
      watch.watch('job_a', () => calls.push('a'));
      const stopB = watch.watch('job_b', () => calls.push('b'));
      stopB();
      expect(await watch.isCancelled('job_a')).toBe(false);

      await redis.set(cancelMarkKey(prefix, 'job_a'), '{}');
      await redis.set(cancelMarkKey(prefix, 'job_b'), '{}');
      await expect.poll(() => calls, { timeout: 1000, interval: 10 }).toEqual(['a']);
      expect(await watch.isCancelled('job_a')).toBe(true);

      await new Promise((r) => setTimeout(r, 50));
      expect(calls).toEqual(['a']); // once, and never for the unwatched job
    } finally {
      await closeRedis(redis);
    }
  });

  it('reads nothing while no job is watched', async () => {
    const prefix = uniquePrefix('cw');
    let reads = 0;
    const redis = testRedis(prefix);
    try {
      const counting = {
        get(key: string) {
          reads += 1;
          return redis.get(key);
        },
        mget(keys: string[]) {
          reads += 1;
          return redis.mget(keys);
        },
      };
      const watch = new CancelWatch({ redis: async () => counting, prefix, intervalMs: 5 });
      const stop = watch.watch('job_a', () => {});
      await expect.poll(() => reads, { timeout: 1000, interval: 5 }).toBeGreaterThan(0);
      stop();
      const after = reads;
      await new Promise((r) => setTimeout(r, 60));
      expect(reads - after).toBeLessThanOrEqual(1); // at most a tick already under way
    } finally {
      await closeRedis(redis);
    }
  });
});
