import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ApiServer, startApiServer } from '../support/api-server.js';
import { hasRedisServer, type PrivateRedis, startPrivateRedis } from '../support/private-redis.js';
import { uniquePrefix } from '../support/tracked.js';

const providers = { providers: [{ id: 'sim', type: 'simulated', models: ['sim-small'] }] };

/**
 * The 202 of a submission is built from what the API enqueued, not read back: a private Redis
 * counts the commands one submission costs, and the job's GET view right after equals the 202 body.
 */
describe.skipIf(!hasRedisServer())('a submission', () => {
  let redis: PrivateRedis;
  let api: ApiServer;
  let monitor: Redis;
  let probe: Redis;
  let seen: string[][];
  // Each test its own Redis (the leak guard wants a test's processes gone when it ends).
  beforeEach(async () => {
    seen = [];
    redis = await startPrivateRedis();
    // monitor() opens a connection of its own; the lazy one it is called on never connects.
    monitor = await new Redis(redis.url, { lazyConnect: true }).monitor();
    probe = new Redis(redis.url);
    // Commands a script runs come with source "lua": they are part of the one call that ran it.
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      if (source !== 'lua') seen.push(args);
    });
    api = await startApiServer({
      redis: { url: redis.url, cluster: false },
      prefix: uniquePrefix('submit'),
      providers,
      simulatorUrl: 'http://127.0.0.1:1/v1',
    });
    // The first submissions load BullMQ's scripts (EVALSHA, NOSCRIPT, EVAL): not what one costs.
    for (const coaching of [false, true]) {
      await api.request('POST', '/v1/plans', { description: 'warm up', coaching });
    }
    await api.request('POST', '/v1/coaching', { plan: { summary: 'warm', items: [] } });
  });
  afterEach(async () => {
    await api?.close();
    monitor?.disconnect();
    probe?.disconnect();
    await redis?.stop();
  });

  /**
   * The commands the API sent while `work` ran (nothing else talks to this Redis), XREADs included:
   * with nobody long-polling, the API reads none of the events its submissions add to the stream.
   * A marker command frames the window, as MONITOR reports in order.
   */
  async function commandsDuring(work: () => Promise<unknown>): Promise<string[]> {
    const start = `start-${Math.random()}`;
    const end = `end-${Math.random()}`;
    await probe.echo(start);
    await work();
    await probe.echo(end);
    await expect.poll(() => seen.some((args) => args[1] === end)).toBe(true);
    const from = seen.findIndex((args) => args[1] === start);
    const to = seen.findIndex((args) => args[1] === end);
    return seen.slice(from + 1, to).map((args) => args[0]!.toLowerCase());
  }

  it('of a plan costs one Redis command, and answers the view a GET then gives', async () => {
    let body: unknown;
    const commands = await commandsDuring(async () => {
      const response = await api.request('POST', '/v1/plans', {
        description: 'Write the report, gym at noon',
        metadata: { ref: 'a-1' },
      });
      expect(response.status).toBe(202);
      body = await response.json();
    });
    expect(commands).toEqual(['evalsha']);
    const id = (body as { id: string }).id;
    const view = await (await api.request('GET', `/v1/jobs/${id}`)).json();
    expect(body).toEqual(view);
    expect(body).toMatchObject({ status: 'queued', kind: 'plan', metadata: { ref: 'a-1' }, attempts: [] });
  });

  it('of a plan with coaching costs one MULTI (its flow), and answers the view a GET then gives', async () => {
    let body: unknown;
    const commands = await commandsDuring(async () => {
      const response = await api.request('POST', '/v1/plans', { description: 'Gym', coaching: true });
      expect(response.status).toBe(202);
      body = await response.json();
    });
    // The coaching parent and its plan child, BullMQ's scripts in one MULTI: one round trip.
    expect(commands[0]).toBe('multi');
    expect(commands.at(-1)).toBe('exec');
    expect(commands.slice(1, -1).every((name) => name === 'evalsha')).toBe(true);
    const id = (body as { id: string }).id;
    const view = await (await api.request('GET', `/v1/jobs/${id}`)).json();
    expect(body).toEqual(view);
    expect(body).toMatchObject({ status: 'queued', coaching: { status: 'queued' } });
  });

  it('of coaching for an inline plan costs one Redis command, and answers the view a GET then gives', async () => {
    let body: unknown;
    const commands = await commandsDuring(async () => {
      const response = await api.request('POST', '/v1/coaching', {
        plan: { summary: 'A day', items: [{ start: '09:00', end: '10:00', task: 'Gym', priority: 'high' }] },
      });
      expect(response.status).toBe(202);
      body = await response.json();
    });
    expect(commands).toEqual(['evalsha']);
    const id = (body as { id: string }).id;
    const view = await (await api.request('GET', `/v1/jobs/${id}`)).json();
    expect(body).toEqual(view);
    expect(body).toMatchObject({ status: 'queued', kind: 'coaching' });
  });
});
