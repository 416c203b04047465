import { closeRedis, hashTaggedPrefix, JOBS_QUEUE, JobViewSchema, type RedisClient } from '@spillway/core';
import { Queue } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import { testRedis } from '../support/redis.js';
import { type Stack, startStack } from '../support/stack.js';

type View = {
  id: string;
  status: string;
  startedAt?: string;
  priority?: string;
  coaching?: { jobId: string };
};

/**
 * Jobs submitted while the queue is paused, then run one at a time: the order they start in is the
 * order BullMQ hands them out, with no race between submitting and running.
 */
describe('job priority', () => {
  let stack: Stack | undefined;
  let queue: Queue | undefined;
  let redis: RedisClient | undefined;
  afterEach(async () => {
    await queue?.close();
    if (redis) await closeRedis(redis);
    await stack?.close();
    queue = stack = redis = undefined;
  });

  async function pausedStack(): Promise<Stack> {
    stack = await startStack({
      concurrency: 1,
      models: { 'sim-small': { dialect: 'groq', rpm: 1_000_000 } },
    });
    redis = testRedis(stack.prefix, 'pause');
    queue = new Queue(JOBS_QUEUE, { connection: redis, prefix: hashTaggedPrefix(stack.prefix) });
    await queue.pause();
    return stack;
  }

  async function submit(path: string, body: Record<string, unknown>): Promise<View> {
    const response = await stack!.request('POST', path, body);
    expect(response.status, await response.clone().text()).toBe(202);
    return (await response.json()) as View;
  }

  /** Resumes the queue, waits for every job, and gives their ids in the order they started. */
  async function startOrder(ids: string[]): Promise<string[]> {
    await queue!.resume();
    const done = await Promise.all(ids.map((id) => stack!.waitForJob(id, 30_000)));
    for (const view of done) expect(view.status).toBe('completed');
    return done
      .map((view) => ({ id: String(view.id), at: Date.parse(String(view.startedAt)) }))
      .sort((a, b) => a.at - b.at)
      .map((job) => job.id);
  }

  it('a high plan submitted after many normal ones runs before them, a low one after them', async () => {
    await pausedStack();
    const low = await submit('/v1/plans', { description: 'Low: sort the attic', priority: 'low' });
    const normal: View[] = [];
    for (let i = 0; i < 8; i++) normal.push(await submit('/v1/plans', { description: `Normal day ${i}` }));
    const high = await submit('/v1/plans', { description: 'High: ship the fix', priority: 'high' });
    const coaching = await submit('/v1/coaching', {
      plan: { summary: 'A day', items: [{ start: '09:00', end: '10:00', task: 'Write', priority: 'high' }] },
      priority: 'high',
    });

    const order = await startOrder([low.id, ...normal.map((v) => v.id), high.id, coaching.id]);
    expect(order.slice(0, 2)).toEqual([high.id, coaching.id]);
    expect(order.slice(2, 10)).toEqual(normal.map((v) => v.id));
    expect(order.at(-1)).toBe(low.id);
  });

  it('batch items run after every interactive job, low ones included; a high batch before a normal one', async () => {
    await pausedStack();
    const items = (tag: string) =>
      Array.from({ length: 3 }, (_, i) => ({ customId: `${tag}-${i}`, description: `${tag} day ${i}` }));
    const normalBatch = await submit('/v1/batches', { items: items('normal') });
    const highBatch = await submit('/v1/batches', { items: items('high'), priority: 'high' });
    const low = await submit('/v1/plans', { description: 'Low: sort the attic', priority: 'low' });
    const itemIds = async (batchId: string) => {
      const text = await (await stack!.request('GET', `/v1/batches/${batchId}/results`)).text();
      return text
        .split('\n')
        .filter(Boolean)
        .map((line) => (JSON.parse(line) as { jobId: string }).jobId);
    };
    const normalItems = await itemIds(normalBatch.id);
    const highItems = await itemIds(highBatch.id);

    const order = await startOrder([...normalItems, ...highItems, low.id]);
    expect(order).toEqual([low.id, ...highItems, ...normalItems]);
    const item = (await (await stack!.request('GET', `/v1/jobs/${highItems[0]}`)).json()) as View;
    expect(item.priority).toBe('high');
  });

  it('the job view shows the priority asked for (normal when none was), the chained coaching job its plan’s', async () => {
    await pausedStack();
    const plain = await submit('/v1/plans', { description: 'A day' });
    const high = await submit('/v1/plans', { description: 'A day', priority: 'high', coaching: true });
    expect(plain.priority).toBe('normal');
    expect(high.priority).toBe('high');
    const chained = (await (await stack!.request('GET', `/v1/jobs/${high.coaching!.jobId}`)).json()) as View;
    expect(chained.priority).toBe('high');
    // The view is exactly the documented one: nothing the schema does not name.
    expect(JobViewSchema.strict().safeParse(high).error).toBeUndefined();
    expect(JobViewSchema.strict().safeParse(chained).error).toBeUndefined();
  });

  it('refuses a priority off the ladder, and one on a batch item (it is the whole batch’s), naming the field', async () => {
    await pausedStack();
    const bad = await stack!.request('POST', '/v1/plans', { description: 'A day', priority: 'urgent' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ errors: [expect.objectContaining({ field: 'priority' })] });
    const item = await stack!.request('POST', '/v1/batches', {
      items: [{ customId: 'a', description: 'A day', priority: 'high' }],
    });
    expect(item.status).toBe(400);
    expect(JSON.stringify(await item.json())).toContain('items[0]');
  });
});
