import { afterEach, describe, expect, it } from 'vitest';
import { enqueuePlans, jobsQueue, planJob } from '../support/enqueue.js';
import { instance } from '../support/instances.js';
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

  it('counts delayed jobs held for capacity, not those waiting out a retry backoff', async () => {
    const { api, queue } = await setUp();
    await enqueuePlans(queue, 3);
    const held = await queue.add('plan', planJob(100), { jobId: 'job_held00000001x', delay: 60_000 });
    await held.updateProgress({ attempts: [], waitingUntil: NOW + 60_000 });
    const expired = await queue.add('plan', planJob(101), { jobId: 'job_held00000002x', delay: 60_000 });
    await expired.updateProgress({ attempts: [], waitingUntil: NOW - 1 });
    await queue.add('plan', planJob(102), { jobId: 'job_backoff00001x', delay: 60_000 });

    const metrics = await scrape(api);
    expect(sampleValue(metrics, 'spillway_queue_jobs', { queue: 'jobs', state: 'waiting' })).toBe(3);
    expect(sampleValue(metrics, 'spillway_queue_jobs', { queue: 'jobs', state: 'delayed' })).toBe(3);
    expect(sampleValue(metrics, 'spillway_queue_jobs', { queue: 'jobs', state: 'active' })).toBe(0);
    expect(sampleValue(metrics, 'spillway_queue_jobs', { queue: 'webhooks', state: 'waiting' })).toBe(0);
    expect(sampleValue(metrics, 'spillway_waiting_for_capacity')).toBe(1);
  });

  it('counts every queued job while the whole queue is paused for capacity', async () => {
    const { api, queue } = await setUp();
    await enqueuePlans(queue, 4);
    await queue.add('plan', planJob(9), { jobId: 'job_prio00000001x', priority: 5 });
    expect(sampleValue(await scrape(api), 'spillway_waiting_for_capacity')).toBe(0);

    // What the worker does when no instance at all is free (processor.ts waitForCapacity).
    await queue.rateLimit(60_000);
    const metrics = await scrape(api);
    expect(sampleValue(metrics, 'spillway_queue_jobs', { queue: 'jobs', state: 'prioritized' })).toBe(1);
    expect(sampleValue(metrics, 'spillway_waiting_for_capacity')).toBe(5);
  });
});
