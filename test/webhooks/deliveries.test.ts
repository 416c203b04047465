import { closeRedis } from '@spillway/core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DELIVERY_RETENTION_SECONDS,
  readDeliveries,
  recordDeliveryAttempt,
  recordDeliveryQueued,
  webhookDeliveriesKey,
} from '../../packages/core/src/webhooks/index.js';
import { testRedis } from '../support/redis.js';
import { uniquePrefix } from '../support/tracked.js';

describe('webhook delivery records (what the job view shows)', () => {
  let redis: ReturnType<typeof testRedis> | undefined;
  afterEach(async () => {
    if (redis) await closeRedis(redis);
    redis = undefined;
  });

  it('shows a queued webhook as pending, then each attempt, and keeps them for 7 days', async () => {
    const prefix = uniquePrefix('whrec');
    redis = testRedis(prefix);
    const url = 'https://hooks.example.com/a';
    await recordDeliveryQueued(redis, prefix, 'job_1', 'msg_job_1_job_completed', {
      type: 'job.completed',
      url,
    });
    expect(await readDeliveries(redis, prefix, 'job_1')).toEqual([
      { type: 'job.completed', url, status: 'pending', attempts: 0 },
    ]);

    const attempt = {
      type: 'job.completed' as const,
      url,
      status: 'pending' as const,
      attempts: 1,
      lastStatus: 500,
      lastAttemptAt: '2026-05-01T00:00:00.000Z',
      lastError: 'HTTP 500',
    };
    await recordDeliveryAttempt(redis, prefix, 'job_1', 'msg_job_1_job_completed', attempt);
    // A duplicate enqueue of the same event must not reset what the attempts recorded.
    await recordDeliveryQueued(redis, prefix, 'job_1', 'msg_job_1_job_completed', {
      type: 'job.completed',
      url,
    });
    expect(await readDeliveries(redis, prefix, 'job_1')).toEqual([attempt]);

    const ttl = await redis.ttl(webhookDeliveriesKey(prefix, 'job_1'));
    expect(ttl).toBeGreaterThan(DELIVERY_RETENTION_SECONDS - 60);
    expect(ttl).toBeLessThanOrEqual(7 * 86_400);
  });

  it('lists every webhook of a job in the order they were queued, and nothing for a job without any', async () => {
    const prefix = uniquePrefix('whrec');
    redis = testRedis(prefix);
    await recordDeliveryQueued(redis, prefix, 'job_2', 'msg_job_2_job_failed', {
      type: 'job.failed',
      url: 'https://a.example/',
    });
    await recordDeliveryQueued(redis, prefix, 'job_2', 'msg_job_2_job_completed', {
      type: 'job.completed',
      url: 'https://b.example/',
    });
    expect((await readDeliveries(redis, prefix, 'job_2')).map((d) => d.type)).toEqual([
      'job.failed',
      'job.completed',
    ]);
    expect(await readDeliveries(redis, prefix, 'job_none')).toEqual([]);
  });
});
