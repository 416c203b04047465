import { closeRedis, countUnfinished, type RedisClient, unfinishedKey } from '@spillway/core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ApiOnly,
  GLOBEX_KEY,
  jobCount,
  planItems,
  startApiOnly,
  toNdjson,
} from '../batches/api-only.js';
import { testRedis } from '../support/redis.js';
import { type Stack, startStack } from '../support/stack.js';

interface QuotaProblem {
  status: number;
  code: string;
  cap: number;
  unfinished: number;
  asked: number;
}

/** API_KEYS' third field: a cap on a tenant's unfinished jobs, enforced at submission. */
describe('a tenant cap on unfinished jobs', () => {
  let api: ApiOnly | undefined;
  let stack: Stack | undefined;
  let redis: RedisClient | undefined;
  afterEach(async () => {
    await api?.close();
    await stack?.close();
    if (redis) await closeRedis(redis);
    api = undefined;
    stack = undefined;
    redis = undefined;
  });

  const unfinishedOf = (s: Stack) => {
    redis ??= testRedis(s.prefix, 'quota');
    return countUnfinished(redis, s.prefix, 'acme');
  };

  it('refuses the plan over the cap with 429 problem+json, Retry-After and the numbers, and enqueues nothing', async () => {
    api = await startApiOnly({ unfinishedCaps: { acme: 2 } });
    for (let i = 0; i < 2; i++) {
      expect((await api.request('POST', '/v1/plans', { description: `plan ${i}` })).status).toBe(202);
    }
    const refused = await api.request('POST', '/v1/plans', { description: 'one too many' });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await refused.json()).toMatchObject({
      status: 429,
      code: 'quota_exceeded',
      cap: 2,
      unfinished: 2,
      asked: 1,
    } satisfies QuotaProblem);
    expect(await jobCount(api)).toBe(2);
    // Coaching jobs count too, and another tenant has no cap of its own.
    expect(
      (
        await api.request('POST', '/v1/coaching', {
          plan: {
            summary: 'A day',
            items: [{ start: '09:00', end: '10:00', task: 'Gym', priority: 'high' }],
          },
        })
      ).status,
    ).toBe(429);
    const other = await api.request('POST', '/v1/plans', { description: 'globex' }, { key: GLOBEX_KEY });
    expect(other.status).toBe(202);
  });

  it('counts a plan with coaching as two jobs', async () => {
    api = await startApiOnly({ unfinishedCaps: { acme: 3 } });
    expect((await api.request('POST', '/v1/plans', { description: 'a', coaching: true })).status).toBe(202);
    const refused = await api.request('POST', '/v1/plans', { description: 'b', coaching: true });
    expect(await refused.json()).toMatchObject({ code: 'quota_exceeded', cap: 3, unfinished: 2, asked: 2 });
    expect((await api.request('POST', '/v1/plans', { description: 'c' })).status).toBe(202);
    expect(await countUnfinished(api.redis, api.prefix, 'acme')).toBe(3);
  });

  it('refuses a batch that would cross the cap whole: no record, no job, no place held', async () => {
    api = await startApiOnly({ unfinishedCaps: { acme: 10 } });
    expect((await api.request('POST', '/v1/plans', { description: 'first' })).status).toBe(202);
    const refused = await api.request('POST', '/v1/batches', toNdjson(planItems(10)), {
      contentType: 'application/x-ndjson',
      raw: true,
    });
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ code: 'quota_exceeded', cap: 10, unfinished: 1, asked: 10 });
    expect(await jobCount(api)).toBe(1);
    expect(await countUnfinished(api.redis, api.prefix, 'acme')).toBe(1);
    expect(await api.redis.keys(`{${api.prefix}}:batch:*`)).toEqual([]);
    // Exactly up to the cap is fine.
    const fits = await api.request('POST', '/v1/batches', { items: planItems(9) });
    expect(fits.status).toBe(202);
    expect(await countUnfinished(api.redis, api.prefix, 'acme')).toBe(10);
  });

  it('gives a cancelled job its place back, once however often it is cancelled', async () => {
    api = await startApiOnly({ unfinishedCaps: { acme: 1 } });
    const { id } = (await (await api.request('POST', '/v1/plans', { description: 'x' })).json()) as {
      id: string;
    };
    expect((await api.request('POST', '/v1/plans', { description: 'y' })).status).toBe(429);
    expect((await api.request('DELETE', `/v1/jobs/${id}`)).status).toBeLessThan(300);
    await api.request('DELETE', `/v1/jobs/${id}`);
    expect(await countUnfinished(api.redis, api.prefix, 'acme')).toBe(0);
    expect((await api.request('POST', '/v1/plans', { description: 'y' })).status).toBe(202);
  });

  it('gives back, once it hits the cap, an old place whose job is gone or finished (a missed release)', async () => {
    api = await startApiOnly({ unfinishedCaps: { acme: 2 } });
    const { id } = (await (await api.request('POST', '/v1/plans', { description: 'x' })).json()) as {
      id: string;
    };
    // Places taken two minutes ago: one for a job that never existed, one for a job that has finished.
    const key = unfinishedKey(api.prefix, 'acme');
    const [seconds] = await api.redis.time();
    const old = Number(seconds) * 1000 - 120_000;
    await api.redis.zadd(key, old, 'job_leakedneverexisted', old, id);
    await api.redis.hset(`{${api.prefix}}:jobs:${id}`, 'finishedOn', String(old));
    expect(await countUnfinished(api.redis, api.prefix, 'acme')).toBe(2);
    expect((await api.request('POST', '/v1/plans', { description: 'y' })).status).toBe(202);
    expect(await countUnfinished(api.redis, api.prefix, 'acme')).toBe(1);
    // A place taken just now is never swept, job or not (its submission may still be enqueueing).
    await api.redis.zadd(key, Number(seconds) * 1000, 'job_freshnotenqueued');
    await api.redis.del(`${key}:swept`);
    expect((await api.request('POST', '/v1/plans', { description: 'z' })).status).toBe(429);
  });

  it('gives completed jobs their places back as the worker ends them', async () => {
    // Each call takes 1.5 s: the three jobs are still unfinished when the fourth is asked for.
    stack = await startStack({ unfinishedCaps: { acme: 3 }, latencyMs: 1500 });
    const ids: string[] = [];
    for (const body of [{ description: 'a' }, { description: 'b', coaching: true }]) {
      const response = await stack.request('POST', '/v1/plans', body);
      expect(response.status).toBe(202);
      ids.push(((await response.json()) as { id: string }).id);
    }
    expect((await stack.request('POST', '/v1/plans', { description: 'c' })).status).toBe(429);
    for (const id of ids) expect((await stack.waitForJob(id)).status).toBe('completed');
    const coachingId = (
      (await (await stack.request('GET', `/v1/jobs/${ids[1]}`)).json()) as {
        coaching: { jobId: string };
      }
    ).coaching.jobId;
    expect((await stack.waitForJob(coachingId)).status).toBe('completed');
    await expect.poll(() => unfinishedOf(stack!)).toBe(0);
    expect((await stack.request('POST', '/v1/plans', { description: 'c' })).status).toBe(202);
  });

  it('gives a failed plan its place back, and its coaching job that failed with it', async () => {
    stack = await startStack({ unfinishedCaps: { acme: 2 } });
    // The only instance answers "no quota": it is disabled past the plan's deadline, which fails it.
    stack.sim.setFaults([{ kind: 'insufficient_quota' }]);
    const response = await stack.request('POST', '/v1/plans', {
      description: 'a',
      coaching: true,
      deadlineSeconds: 1,
    });
    expect(response.status).toBe(202);
    const { id } = (await response.json()) as { id: string };
    expect((await stack.waitForJob(id)).status).toBe('failed');
    await expect.poll(() => unfinishedOf(stack!)).toBe(0);
  });
});
