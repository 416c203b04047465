import { Agent, request as httpRequest } from 'node:http';
import { sharedDevKey } from '@spillway/api';
import { closeRedis } from '@spillway/core';
import { afterEach, describe, expect, it } from 'vitest';
import { testRedis } from '../support/redis.js';
import { type Stack, startStack } from '../support/stack.js';
import { uniquePrefix } from '../support/tracked.js';

const OTHER_KEY = 'sk-test-globex-9f8e7d6c5b4a';

describe('bearer keys and tenants', () => {
  let stack: Stack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  it('answers 401 problem+json with a Bearer challenge when the key is missing or wrong', async () => {
    stack = await startStack();
    const missing = await fetch(`${stack.url}/v1/pool`);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('content-type')).toContain('application/problem+json');
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer\b/);
    expect(missing.headers.get('www-authenticate')).not.toContain('error=');
    expect(await missing.json()).toMatchObject({
      status: 401,
      code: 'unauthorized',
      type: '/docs#problem-unauthorized',
    });

    const wrong = await fetch(`${stack.url}/v1/plans`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-not-a-key', 'content-type': 'application/json' },
      body: JSON.stringify({ description: 'x' }),
    });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Bearer .*error="invalid_token"/);
    expect(((await wrong.json()) as { code: string }).code).toBe('unauthorized');

    const otherScheme = await fetch(`${stack.url}/v1/pool`, {
      headers: { authorization: `Basic ${stack.apiKey}` },
    });
    expect(otherScheme.status).toBe(401);
  });

  it("hides one tenant's jobs from another behind 404, for reading and for cancelling", async () => {
    stack = await startStack({ tenants: [{ tenant: 'globex', key: OTHER_KEY }] });
    const created = await stack.request('POST', '/v1/plans', { description: 'Tenant A private plan' });
    expect(created.status).toBe(202);
    const { id } = (await created.json()) as { id: string };
    const asOther = { authorization: `Bearer ${OTHER_KEY}` };

    const read = await stack.request('GET', `/v1/jobs/${id}`, undefined, asOther);
    expect(read.status).toBe(404);
    expect(((await read.json()) as { code: string }).code).toBe('not_found');
    const cancel = await stack.request('DELETE', `/v1/jobs/${id}`, undefined, asOther);
    expect(cancel.status).toBe(404);

    // The owner still sees it, untouched by the other tenant's cancel.
    const own = await stack.waitForJob(id);
    expect(own.status).toBe('completed');
  });
});

/** GET `path` on one kept-alive connection of `agent`; the local port tells which connection it was. */
function getOn(agent: Agent, url: string, authorization: string) {
  return new Promise<{ status: number; port: number }>((resolve, reject) => {
    const req = httpRequest(`${url}/v1/pool`, { agent, headers: { authorization } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode!, port: req.socket!.localPort! }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('bearer keys on a kept-alive connection', () => {
  let stack: Stack | undefined;
  let agent: Agent | undefined;
  afterEach(async () => {
    agent?.destroy();
    await stack?.close();
    stack = undefined;
  });

  it('are checked on every request: a wrong or missing key after a good one is 401, another good key is its tenant', async () => {
    stack = await startStack({ tenants: [{ tenant: 'globex', key: OTHER_KEY }] });
    agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const good = await getOn(agent, stack.url, `Bearer ${stack.apiKey}`);
    expect(good.status).toBe(200);
    const wrong = await getOn(agent, stack.url, `Bearer ${stack.apiKey.slice(0, -1)}x`);
    const missing = await getOn(agent, stack.url, '');
    expect([wrong.status, missing.status]).toEqual([401, 401]);
    expect([wrong.port, missing.port]).toEqual([good.port, good.port]);

    // Tenants on one connection: each request is the tenant of its own key.
    const created = await new Promise<string>((resolve, reject) => {
      const req = httpRequest(
        `${stack!.url}/v1/plans`,
        {
          agent,
          method: 'POST',
          headers: { authorization: `Bearer ${OTHER_KEY}`, 'content-type': 'application/json' },
        },
        (res) => {
          let text = '';
          res.on('data', (d) => {
            text += d;
          });
          res.on('end', () => resolve((JSON.parse(text) as { id: string }).id));
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify({ description: 'Globex plan' }));
    });
    const asAcme = await stack.request('GET', `/v1/jobs/${created}`);
    expect(asAcme.status).toBe(404);
    const asGlobex = await stack.request('GET', `/v1/jobs/${created}`, undefined, {
      authorization: `Bearer ${OTHER_KEY}`,
    });
    expect(asGlobex.status).toBe(200);
    expect((await getOn(agent, stack.url, `Bearer ${stack.apiKey}`)).status).toBe(200);
  });
});

describe('the dev key', () => {
  it('is made once and shared through Redis, so every API replica prints the same key', async () => {
    const prefix = uniquePrefix('devkey');
    const redis = testRedis(prefix);
    try {
      const first = await sharedDevKey(redis, prefix);
      const second = await sharedDevKey(redis, prefix);
      expect(first).toMatch(/^sk-dev-[A-Za-z0-9_-]{20,}$/);
      expect(second).toBe(first);
      // Another deployment (prefix) gets its own key.
      const elsewhere = uniquePrefix('devkey');
      expect(await sharedDevKey(redis, elsewhere)).not.toBe(first);
    } finally {
      await closeRedis(redis);
    }
  });
});
