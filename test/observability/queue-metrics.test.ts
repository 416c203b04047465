import { closeRedis, createLogger, WaitingRoom } from '@spillway/core';
import { afterEach, describe, expect, it } from 'vitest';
import { enqueuePlans, jobsQueue, planJob } from '../support/enqueue.js';
import { instance } from '../support/instances.js';
import { testRedis } from '../support/redis.js';
import { uniquePrefix } from '../support/tracked.js';
import { type AdminApi, startAdminApi } from './admin-api.js';
import { parseExposition, sampleValue } from './exposition.js';

const NOW = Date.parse('2026-03-02T09:00:00Z');

describe('queue gauges on /metrics (read from BullMQ at scrape time)', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  async function setUp(): Promise<{ prefix: string; api: AdminApi; queue: ReturnType<typeof jobsQueue> }> {
    const prefix = uniquePrefix('qmetrics');
    const queue = jobsQueue(prefix);
    cleanup.push(() => queue.close());
    // No worker: the jobs stay exactly where the test puts them. The API's clock is fixed.
    const api = await startAdminApi({ prefix, instances: [instance('sim-a', 'm')], clock: () => NOW });
    cleanup.push(() => api.close());
    return { prefix, api, queue };
  }

  const scrape = async (api: AdminApi) => parseExposition(await (await fetch(`${api.url}/metrics`)).text());

  it('counts jobs parked for capacity, not delayed jobs waiting out a retry backoff or for their plan', async () => {
    const { api, queue, prefix } = await setUp();
    const redis = testRedis(prefix, 'room');
    cleanup.push(() => closeRedis(redis));
    // Parked as a worker parks them: delayed until the deadline, then on a line.
    const room = new WaitingRoom({
      redis,
      prefix,
      queueName: 'jobs',
      clock: () => NOW,
      logger: createLogger({ level: 'silent' }),
    });
    cleanup.push(() => room.close());
    await enqueuePlans(queue, 3);
    await queue.add('plan', planJob(100), { jobId: 'job_held00000001x', delay: 60_000 });
    await room.park({
      line: 'c:abc:9',
      member: 'job_held00000001x',
      order: NOW,
      until: NOW + 60_000,
      perWindow: 0,
      windowMs: 0,
      again: false,
    });
    await queue.add('plan', planJob(101), { jobId: 'job_coach0000001x', delay: 60_000 });
    await room.park({
      line: 'p:job_plan0000001x',
      member: 'job_coach0000001x',
      order: NOW,
      until: null,
      perWindow: 0,
      windowMs: 0,
      again: false,
    });
    await queue.add('plan', planJob(102), { jobId: 'job_backoff00001x', delay: 60_000 });

    const metrics = await scrape(api);
    expect(sampleValue(metrics, 'spillway_queue_jobs', { queue: 'jobs', state: 'waiting' })).toBe(3);
    expect(sampleValue(metrics, 'spillway_queue_jobs', { queue: 'jobs', state: 'delayed' })).toBe(3);
    expect(sampleValue(metrics, 'spillway_queue_jobs', { queue: 'jobs', state: 'active' })).toBe(0);
    expect(sampleValue(metrics, 'spillway_queue_jobs', { queue: 'webhooks', state: 'waiting' })).toBe(0);
    expect(sampleValue(metrics, 'spillway_waiting_for_capacity')).toBe(1);

    await room.leave('c:abc:9', 'job_held00000001x');
    expect(sampleValue(await scrape(api), 'spillway_waiting_for_capacity')).toBe(0);
  });
});
