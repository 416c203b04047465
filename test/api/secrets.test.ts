import { createServer, type IncomingMessage } from 'node:http';
import { closeRedis, hashTaggedPrefix } from '@spillway/core';
import { afterEach, describe, expect, it } from 'vitest';
import { testRedis } from '../support/redis.js';
import { type Stack, startStack } from '../support/stack.js';

const PROVIDER_KEY = 'sk-prov-SECRET-5d1e9a77c3b0';
const API_KEY = 'sk-api-SECRET-0b8f4c2e6a91';
const WEBHOOK_KEY_TEXT = 'spillway-webhook-SECRET-7c2f91';
const WEBHOOK_SECRET = `whsec_${Buffer.from(WEBHOOK_KEY_TEXT).toString('base64')}`;

/** Each secret as it could leak: verbatim, base64 (Basic auth, encoded blobs), URL-encoded. */
const NEEDLES = [
  ...new Set(
    [PROVIDER_KEY, API_KEY, WEBHOOK_SECRET, WEBHOOK_SECRET.slice('whsec_'.length), WEBHOOK_KEY_TEXT].flatMap(
      (secret) => [secret, Buffer.from(secret).toString('base64'), encodeURIComponent(secret)],
    ),
  ),
];

interface Seen {
  where: string;
  text: string;
}

/** A loopback webhook receiver that keeps what it was sent. */
async function startReceiver(seen: Seen[]) {
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({
        where: `webhook ${req.url}`,
        text: `${JSON.stringify(req.headers)}\n${Buffer.concat(chunks).toString()}`,
      });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/hook`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Every key under the prefix, with its value read the way its type needs. */
async function dumpRedis(prefix: string): Promise<Seen[]> {
  const redis = testRedis(prefix, 'dump');
  const seen: Seen[] = [];
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `*${prefix}*`, 'COUNT', 500);
      cursor = next;
      for (const key of keys) {
        const type = await redis.type(key);
        let value: unknown;
        switch (type) {
          case 'string':
            value = (await redis.getBuffer(key))?.toString('latin1');
            break;
          case 'hash':
            value = Object.entries(await redis.hgetallBuffer(key)).map(
              ([f, v]) => `${f}=${v.toString('latin1')}`,
            );
            break;
          case 'list':
            value = await redis.lrange(key, 0, -1);
            break;
          case 'set':
            value = await redis.smembers(key);
            break;
          case 'zset':
            value = await redis.zrange(key, 0, -1, 'WITHSCORES');
            break;
          case 'stream':
            value = await redis.xrange(key, '-', '+');
            break;
          default:
            value = `(${type})`;
        }
        seen.push({ where: `redis ${key}`, text: `${key}\n${JSON.stringify(value)}` });
      }
    } while (cursor !== '0');
  } finally {
    await closeRedis(redis);
  }
  return seen;
}

describe('secrets never leak', () => {
  let stack: Stack | undefined;
  let receiver: Awaited<ReturnType<typeof startReceiver>> | undefined;
  afterEach(async () => {
    await stack?.close();
    await receiver?.close();
    stack = undefined;
    receiver = undefined;
  });

  it('keeps the provider key, the API key and the webhook secret out of answers, logs, webhooks and Redis', async () => {
    const seen: Seen[] = [];
    const logLines: string[] = [];
    receiver = await startReceiver(seen);
    stack = await startStack({
      providers: {
        providers: [
          {
            id: 'sim-a',
            type: 'simulated',
            baseUrl: '{{sim}}',
            apiKey: 'env:SIM_KEY',
            models: ['sim-small'],
          },
        ],
      },
      env: { SIM_KEY: PROVIDER_KEY },
      apiKey: API_KEY,
      webhookSecret: WEBHOOK_SECRET,
      webhookAllowPrivate: true,
      webhookRetryScheduleMs: [0, 100],
      logLevel: 'trace',
      logStream: { write: (line: string) => void logLines.push(line) },
    });
    // The secrets are really in use: the provider key reached the instance, the API key is the tenant's.
    expect(stack.providers.instances[0]!.apiKey.reveal()).toBe(PROVIDER_KEY);

    const s = stack;
    const call = async (method: string, path: string, body?: unknown, headers?: Record<string, string>) => {
      const response = await s.request(method, path, body, headers);
      const text = await response.text();
      seen.push({
        where: `${method} ${path} → ${response.status}`,
        text: `${JSON.stringify([...response.headers])}\n${text}`,
      });
      return { status: response.status, json: () => JSON.parse(text) as Record<string, unknown> };
    };
    const submit = async (extra: Record<string, unknown> = {}) => {
      const answer = await call('POST', '/v1/plans', {
        description: 'Standup, code review, 1:1',
        callbackUrl: receiver!.url,
        ...extra,
      });
      expect(answer.status).toBe(202);
      return String(answer.json().id);
    };
    const settle = async (id: string) => (await call('GET', `/v1/jobs/${id}?wait=10`)).json();

    // A completed job, with its webhook.
    expect((await settle(await submit())).status).toBe('completed');

    // Rate limited twice, then served.
    s.sim.setFaults([{ kind: 'rate_limit', count: 2, retryAfterMs: 200 }]);
    const limited = await settle(await submit());
    expect(limited.status).toBe('completed');
    expect((limited.attempts as Array<{ outcome: string }>).map((a) => a.outcome)).toContain('rate_limited');

    // A 500: the attempt records the provider's error; cancelled while it waits for its retry.
    s.sim.setFaults([{ kind: 'server_error', status: 500, count: 1 }]);
    const flaky = await submit();
    const deadline = Date.now() + 5000;
    while (
      !((await call('GET', `/v1/jobs/${flaky}`)).json().attempts as unknown[]).length &&
      Date.now() < deadline
    ) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect([200, 202]).toContain((await call('DELETE', `/v1/jobs/${flaky}`)).status);
    expect((await settle(flaky)).status).toBe('cancelled');

    // Invalid output twice: the job fails, its view carries the raw answer.
    s.sim.setFaults([{ kind: 'invalid_output', count: 2 }]);
    const invalid = await settle(await submit());
    expect(invalid).toMatchObject({ status: 'failed', error: { code: 'invalid_output' } });

    // Billing trouble: the instance is disabled, the job fails for want of capacity, the pool says why.
    s.sim.setFaults([{ kind: 'insufficient_quota', count: 1 }]);
    const broke = await settle(await submit({ deadlineSeconds: 1 }));
    expect(broke.status).toBe('failed');
    const pool = await call('GET', '/v1/pool');
    expect(JSON.stringify(pool.json())).toContain('disabled');

    // Problems of every kind, the docs, and a wrong key (which must not be echoed either).
    expect((await call('POST', '/v1/plans', { description: '', model: 'nope' })).status).toBe(400);
    expect((await call('GET', '/v1/jobs/job_doesnotexist00')).status).toBe(404);
    expect((await call('GET', '/v1/pool', undefined, { authorization: `Bearer ${API_KEY}x` })).status).toBe(
      401,
    );
    expect((await call('GET', '/docs/openapi.json')).status).toBe(200);

    // Let the last webhooks go out before looking.
    const wantWebhooks = 4;
    const until = Date.now() + 5000;
    while (seen.filter((x) => x.where.startsWith('webhook')).length < wantWebhooks && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 20));
    }
    await stack.close();
    stack = undefined;

    seen.push(...logLines.map((line, i) => ({ where: `log line ${i}`, text: line })));
    seen.push(...(await dumpRedis(s.prefix)));

    // The haystack is real: plenty of logs at trace level, job data in Redis, webhooks delivered.
    expect(logLines.length).toBeGreaterThan(20);
    expect(seen.filter((x) => x.where.startsWith('webhook')).length).toBeGreaterThanOrEqual(wantWebhooks);
    expect(seen.some((x) => x.where.startsWith('redis') && x.text.includes('Standup, code review'))).toBe(
      true,
    );
    expect(seen.some((x) => x.where.startsWith('redis') && x.text.includes(hashTaggedPrefix(s.prefix)))).toBe(
      true,
    );

    const leaks = seen.flatMap((x) =>
      NEEDLES.filter((needle) => x.text.includes(needle)).map((needle) => `${x.where}: ${needle}`),
    );
    expect(leaks).toEqual([]);
  });
});
