import { API_ERRORS, buildApi, connectApiRedis, createAuthenticator } from '@spillway/api';
import { closeRedis, createLogger, loadProviders, type RedisClient, Secret } from '@spillway/core';
import fc from 'fast-check';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { redisUrl } from '../support/redis.js';
import { uniquePrefix } from '../support/tracked.js';

/**
 * Hostile input, generated: malformed, oversized and wrong-typed requests against every route. The
 * API must answer each with a 4xx problem+json whose `code` is in the registry (never a 5xx, never
 * another format) and stay up. In-process (`app.inject`) so that 10,000+ requests take seconds.
 */
const KEY = 'sk-test-hostile-0123456789abcdef';
const AUTH = { authorization: `Bearer ${KEY}` };
const JSON_TYPE = { 'content-type': 'application/json' };
const NDJSON_TYPE = { 'content-type': 'application/x-ndjson' };
const MODEL = 'sim-small';
const VALID_PLAN = {
  description: 'Deep work until noon, lunch, email, gym at six',
  date: '2025-03-04',
  model: MODEL,
  fallback: 'any',
  coaching: false,
  deadlineSeconds: 600,
  metadata: { team: 'a' },
};
type Codes = keyof typeof API_ERRORS;

/** Printable ASCII, so that header values are ones an HTTP client could send. */
const printable = (options: { minLength?: number; maxLength?: number } = {}) =>
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), ...options });

const notAString = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true }),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.jsonValue(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue(), { maxKeys: 3 }),
);
const notANumber = fc.oneof(
  fc.string(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.object({ maxDepth: 1 }),
);
const notAUrl = fc.string().filter((s) => !URL.canParse(s));

/** For each field of a plan request, values it must refuse. No host names: those would ask DNS. */
const BAD_FIELDS: Record<string, fc.Arbitrary<unknown>> = {
  description: fc.oneof(notAString, fc.constantFrom('', '   ', '\n\t '), fc.constant('x'.repeat(20_001))),
  date: fc.oneof(
    notAString.filter((v) => typeof v !== 'string'),
    fc.string().filter((s) => !/^\d{4}-\d{2}-\d{2}$/.test(s)),
    fc.constantFrom('2025-13-01', '2025-00-10', '99999-01-01', '2025-1-1'),
  ),
  model: fc.oneof(
    notAString,
    fc.constant(''),
    fc.string({ minLength: 1, maxLength: 50 }).filter((s) => s !== MODEL),
    fc.constant('m'.repeat(201)),
  ),
  fallback: fc.oneof(
    notAString,
    fc.string().filter((s) => s !== 'any' && s !== 'same-model'),
  ),
  coaching: fc.oneof(
    fc.integer(),
    fc.string(),
    fc.constant(null),
    fc.array(fc.boolean(), { maxLength: 2 }),
    fc.record({ policy: fc.string().filter((s) => s !== 'same' && s !== 'upgrade') }),
    fc.record({ policy: fc.constant('same'), extra: fc.jsonValue() }),
    fc.record({ policy: fc.constant('upgrade'), model: fc.oneof(fc.integer(), fc.constant('')) }),
  ),
  callbackUrl: fc.oneof(
    notAString,
    notAUrl,
    fc.constantFrom(
      'ftp://127.0.0.1/x',
      'javascript:alert(1)',
      'file:///etc/passwd',
      'http://127.0.0.1/hooks',
      'http://10.0.0.1/',
      'http://169.254.169.254/latest/meta-data/',
      'http://[::1]/',
      'http://[::ffff:192.168.1.1]/',
      'http://0.0.0.0/',
      `http://127.0.0.1/${'a'.repeat(2100)}`,
    ),
  ),
  deadlineSeconds: fc.oneof(
    notANumber,
    fc.integer({ max: 0 }),
    fc.integer({ min: 7 * 86_400 + 1 }),
    fc.double({ min: 1.0001, max: 1000, noNaN: true }).filter((d) => !Number.isInteger(d)),
  ),
  metadata: fc.oneof(
    fc.integer(),
    fc.string(),
    fc.boolean(),
    fc.array(fc.jsonValue(), { maxLength: 3 }),
    fc.constant({ big: 'b'.repeat(9000) }),
    fc.constant({ ['k'.repeat(101)]: 1 }),
  ),
  unknownField: fc.jsonValue(),
};

/** Whether a value holds a key the JSON body parser refuses (`__proto__`, `constructor.prototype`). */
function setsPrototype(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  for (const [key, inner] of Object.entries(value)) {
    if (key === '__proto__') return true;
    if (
      key === 'constructor' &&
      typeof inner === 'object' &&
      inner !== null &&
      Object.hasOwn(inner, 'prototype')
    )
      return true;
    if (setsPrototype(inner)) return true;
  }
  return false;
}

/** A plan request with one bad field, and the fields a problem may name for it. */
const badPlanNamed = fc
  .tuple(fc.constantFrom(...Object.keys(BAD_FIELDS)), fc.nat({ max: 2 }))
  .chain(([field, alsoDrop]) =>
    BAD_FIELDS[field]!.map((value) => {
      const body: Record<string, unknown> = { ...VALID_PLAN, [field]: value };
      // Sometimes a required or optional neighbour is missing as well (never the bad field itself).
      if (alsoDrop === 1) delete body.description;
      if (alsoDrop === 2 && field !== 'model') delete body.model;
      // The description is checked before the fields that need more than the schema (model, callbackUrl).
      return { fields: alsoDrop === 1 ? [field, 'description'] : [field], body };
    }),
  );
const badPlan = badPlanNamed.map(({ body }) => body);

const badCustomId = fc.oneof(
  notAString,
  fc.constant(''),
  fc.constant('c'.repeat(65)),
  fc.string({ minLength: 1, maxLength: 20 }).filter((s) => !/^[A-Za-z0-9_.:-]{1,64}$/.test(s)),
);
const badBatchItem = fc.oneof(
  badPlan.map((plan) => ({ customId: 'item-1', ...plan })),
  badCustomId.map((customId) => ({ ...VALID_PLAN, customId })),
  fc.jsonValue(),
);
const badBatchBody = fc.oneof(
  fc.jsonValue().filter((v) => typeof v !== 'object' || v === null || Array.isArray(v) || !('items' in v)),
  notAString.map((items) => ({ items })),
  fc.constant({ items: [] }),
  fc.array(badBatchItem, { minLength: 1, maxLength: 5 }).map((items) => ({ items })),
  fc
    .tuple(fc.array(badBatchItem, { minLength: 1, maxLength: 3 }), BAD_FIELDS.coaching!)
    .map(([items, coaching]) => ({ items, coaching })),
  fc.jsonValue().map((extra) => ({ items: [{ ...VALID_PLAN, customId: 'ok-1' }], extra })),
);

/** An NDJSON body none of whose lines is a valid item (blank lines, text, JSON of the wrong shape). */
const badNdjson = fc
  .array(
    fc.oneof(
      fc.string().filter((s) => !s.includes('\n')),
      badBatchItem.map((item) => JSON.stringify(item)),
      fc.constantFrom('', '   ', '{', '[]', 'null', '{"customId":"x"}'),
    ),
    { minLength: 0, maxLength: 6 },
  )
  .map((lines) => lines.join('\n'));

const oddId = fc.oneof(
  fc.string({ maxLength: 80 }).map(encodeURIComponent),
  fc.string({ unit: 'binary', maxLength: 40 }).map(encodeURIComponent),
  fc.constantFrom(
    '%',
    '%zz',
    '%E0%A4%A',
    '..',
    '.%2e',
    '%00',
    'job_',
    `job_${'a'.repeat(41)}`,
    'job_ABC',
    ' ',
    '%20',
  ),
  fc.string({ minLength: 101, maxLength: 300 }).map(encodeURIComponent),
  fc.stringMatching(/^job_[a-z0-9]{8,40}$/),
);
const oddQuery = fc.oneof(
  fc.constant(''),
  printable({ maxLength: 10 }).map((w) => `?wait=${encodeURIComponent(w)}`),
  fc.constantFrom(
    '?wait=-1',
    '?wait=31',
    '?wait=1e309',
    '?wait=NaN',
    '?wait=',
    '?wait=1&wait=2',
    '?foo=bar',
    '?wait[]=1',
  ),
);

describe('hostile input', () => {
  let app: FastifyInstance;
  let redis: RedisClient;
  let requests = 0;

  // A fresh app per test: the leak guard checks (and clears) each test's connections and keys.
  beforeEach(async () => {
    const prefix = uniquePrefix('hostile');
    const { instances, defaults } = loadProviders({
      fileText: JSON.stringify({ providers: [{ id: 'sim-a', type: 'simulated', models: [MODEL] }] }),
      env: {},
      simulatorUrl: 'http://127.0.0.1:1/v1',
    });
    redis = await connectApiRedis({ url: redisUrl(), cluster: false }, `${prefix}:api`);
    app = await buildApi({
      redis,
      prefix,
      instances,
      coachingDefaults: defaults.coaching,
      authenticator: createAuthenticator([{ tenant: 'acme', key: new Secret(KEY) }]),
      logger: createLogger({ level: 'silent' }),
    });
  });

  afterEach(async () => {
    await app?.close();
    if (redis) await closeRedis(redis);
  });

  async function send(options: InjectOptions): Promise<LightMyRequestResponse> {
    requests++;
    return app.inject(options);
  }

  /** The answer is a 4xx problem+json with a registered code and that code's status. */
  function expectProblem(response: LightMyRequestResponse, allowed?: readonly Codes[]) {
    const context = `${response.statusCode} ${response.body.slice(0, 300)}`;
    expect(response.statusCode, context).toBeGreaterThanOrEqual(400);
    expect(response.statusCode, context).toBeLessThan(500);
    expect(response.headers['content-type'], context).toMatch(/^application\/problem\+json/);
    const problem = JSON.parse(response.body) as { code: Codes; status: number; title: string };
    expect(Object.keys(API_ERRORS), context).toContain(problem.code);
    expect(API_ERRORS[problem.code].status, context).toBe(response.statusCode);
    expect(problem.status, context).toBe(response.statusCode);
    if (allowed) expect(allowed, context).toContain(problem.code);
  }

  /** Either a success (the generator can make a valid request) or a proper problem; never a 5xx. */
  function expectNoServerError(response: LightMyRequestResponse) {
    if (response.statusCode < 400) return;
    expectProblem(response);
  }

  it('POST /v1/plans with a wrong-typed, out-of-range or unknown field: 400 naming it', async () => {
    await fc.assert(
      fc.asyncProperty(badPlanNamed, async ({ fields, body }) => {
        const response = await send({
          method: 'POST',
          url: '/v1/plans',
          headers: { ...AUTH, ...JSON_TYPE },
          payload: JSON.stringify(body),
        });
        // fc.jsonValue() sometimes makes an own "__proto__" key: the body parser refuses that first.
        if (setsPrototype(body)) return expectProblem(response, ['invalid_json']);
        expectProblem(response, ['validation_failed', 'unknown_model']);
        const { errors } = JSON.parse(response.body) as { errors: Array<{ field: string }> };
        expect(errors.some((e) => fields.some((field) => e.field.startsWith(field)))).toBe(true);
      }),
      { numRuns: 2500 },
    );
  });

  it('POST /v1/coaching with bodies of the wrong shape: 4xx', async () => {
    const coachingBody = fc.oneof(
      fc.jsonValue(),
      oddId.map((planJobId) => ({ planJobId })),
      badPlan.map((plan) => ({ plan })),
      fc.record({ plan: fc.jsonValue(), description: notAString }),
    );
    await fc.assert(
      fc.asyncProperty(coachingBody, async (body) => {
        const response = await send({
          method: 'POST',
          url: '/v1/coaching',
          headers: { ...AUTH, ...JSON_TYPE },
          payload: JSON.stringify(body),
        });
        expectProblem(response);
      }),
      { numRuns: 700 },
    );
  });

  it('bodies that are not JSON, or not an object: 400', async () => {
    const raw = fc.oneof(
      fc.string(),
      fc.string({ unit: 'binary' }),
      fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
      fc.jsonValue().map((v) => `${JSON.stringify(v)}}`),
      fc.constantFrom(
        '{"__proto__":{"x":1},"description":"a"}',
        '{"constructor":{"prototype":{}}}',
        '{"description":"a",}',
        '\u0000',
      ),
    );
    await fc.assert(
      fc.asyncProperty(
        raw,
        fc.constantFrom('/v1/plans', '/v1/coaching', '/v1/batches'),
        async (payload, url) => {
          const response = await send({ method: 'POST', url, headers: { ...AUTH, ...JSON_TYPE }, payload });
          expectProblem(response);
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('content types other than JSON (and NDJSON for batches): 415 or 400', async () => {
    const contentType = fc.oneof(
      fc.constantFrom(
        'text/plain',
        'text/html',
        'application/xml',
        'multipart/form-data; boundary=x',
        'application/x-www-form-urlencoded',
        'application/octet-stream',
        'application/jsonx',
        'json',
        '*/*',
        'application/x-ndjson',
      ),
      printable({ maxLength: 40 }).filter((t) => !/json/i.test(t)),
    );
    await fc.assert(
      fc.asyncProperty(contentType, fc.constantFrom('/v1/plans', '/v1/coaching'), async (type, url) => {
        const headers: Record<string, string> = { ...AUTH };
        if (type !== '') headers['content-type'] = type;
        const response = await send({ method: 'POST', url, headers, payload: JSON.stringify(VALID_PLAN) });
        expectProblem(response, ['unsupported_media_type', 'invalid_json', 'validation_failed']);
      }),
      { numRuns: 800 },
    );
  });

  it('POST /v1/batches, JSON and NDJSON, with no valid item: 4xx', async () => {
    await fc.assert(
      fc.asyncProperty(badBatchBody, async (body) => {
        const response = await send({
          method: 'POST',
          url: '/v1/batches',
          headers: { ...AUTH, ...JSON_TYPE },
          payload: JSON.stringify(body),
        });
        expectProblem(response);
      }),
      { numRuns: 1500 },
    );
    const query = fc.oneof(
      fc.constant(''),
      fc.constantFrom(
        '?coaching=maybe',
        '?callbackUrl=ftp%3A%2F%2Fx',
        '?callbackUrl=http%3A%2F%2F127.0.0.1%2F',
        '?other=1',
        '?coaching=true&coaching=false',
      ),
    );
    await fc.assert(
      fc.asyncProperty(badNdjson, query, async (payload, q) => {
        const response = await send({
          method: 'POST',
          url: `/v1/batches${q}`,
          headers: { ...AUTH, ...NDJSON_TYPE },
          payload,
        });
        expectProblem(response);
      }),
      { numRuns: 1000 },
    );
  });

  it('GET and DELETE of odd job and batch ids, with odd queries: 404 or 400', async () => {
    await fc.assert(
      fc.asyncProperty(
        oddId,
        oddQuery,
        fc.constantFrom(
          'GET /v1/jobs/',
          'DELETE /v1/jobs/',
          'GET /v1/batches/',
          'POST /v1/batches/:id/cancel',
          'GET /v1/batches/:id/results',
        ),
        async (id, query, route) => {
          const [method, path] = route.split(' ') as [string, string];
          const url = path.includes(':id') ? path.replace(':id', id) : `${path}${id}`;
          const response = await send({ method: method as 'GET', url: `${url}${query}`, headers: AUTH });
          expectProblem(response, ['not_found', 'validation_failed', 'method_not_allowed']);
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('junk Authorization and Idempotency-Key headers: 401, or 400 naming the header', async () => {
    await fc.assert(
      fc.asyncProperty(printable({ maxLength: 80 }), async (authorization) => {
        const response = await send({
          method: 'POST',
          url: '/v1/plans',
          headers: { authorization, ...JSON_TYPE },
          payload: JSON.stringify(VALID_PLAN),
        });
        expectProblem(response, ['unauthorized']);
        expect(response.headers['www-authenticate']).toMatch(/^Bearer /);
      }),
      { numRuns: 500 },
    );
    const junkKey = fc.oneof(
      fc.constant(''),
      printable({ minLength: 256, maxLength: 400 }),
      fc
        .tuple(
          printable({ maxLength: 10 }),
          fc.constantFrom('\t', '\u0080', '\u00ff', '\u00e9'),
          printable({ maxLength: 10 }),
        )
        .map((parts) => parts.join('')),
    );
    await fc.assert(
      fc.asyncProperty(junkKey, async (key) => {
        const response = await send({
          method: 'POST',
          url: '/v1/plans',
          headers: { ...AUTH, ...JSON_TYPE, 'idempotency-key': key },
          payload: JSON.stringify({ description: 'never accepted' }),
        });
        expectProblem(response, ['validation_failed']);
      }),
      { numRuns: 500 },
    );
  });

  it('any method on any path: a success on a real route, a problem otherwise, never a 5xx', async () => {
    const segment = fc.oneof(
      fc.constantFrom(
        'v1',
        'plans',
        'jobs',
        'batches',
        'pool',
        'coaching',
        'healthz',
        'readyz',
        'docs',
        'results',
        'cancel',
        '..',
        '%2e%2e',
        '',
      ),
      fc.string({ maxLength: 12 }).map(encodeURIComponent),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'),
        fc.array(segment, { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        async (method, segments, withBody) => {
          const response = await send({
            method: method as 'GET',
            url: `/${segments.join('/')}`,
            headers: withBody ? { ...AUTH, ...JSON_TYPE } : AUTH,
            ...(withBody ? { payload: '{"description":' } : {}),
          });
          expectNoServerError(response);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('oversized bodies: 413', async () => {
    for (let i = 0; i < 5; i++) {
      const description = 'x'.repeat(256 * 1024 + i * 1000);
      const response = await send({
        method: 'POST',
        url: '/v1/plans',
        headers: { ...AUTH, ...JSON_TYPE },
        payload: JSON.stringify({ description }),
      });
      expectProblem(response, ['payload_too_large']);
    }
    const line = `${JSON.stringify({ customId: 'x', description: 'y'.repeat(1000) })}\n`;
    const huge = line.repeat(Math.ceil((33 * 2 ** 20) / line.length));
    for (const headers of [JSON_TYPE, NDJSON_TYPE]) {
      const payload = headers === JSON_TYPE ? `{"items":[${'"x",'.repeat(9 * 2 ** 20)}"x"]}` : huge;
      const response = await send({
        method: 'POST',
        url: '/v1/batches',
        headers: { ...AUTH, ...headers },
        payload,
      });
      expectProblem(response, ['payload_too_large']);
    }
    const longLine = `${JSON.stringify({ customId: 'x', description: 'z'.repeat(70 * 1024) })}\n`;
    const response = await send({
      method: 'POST',
      url: '/v1/batches',
      headers: { ...AUTH, ...NDJSON_TYPE },
      payload: longLine,
    });
    expectProblem(response, ['payload_too_large', 'validation_failed']);
  });

  it('deeply nested bodies, with and without an Idempotency-Key, JSON and NDJSON: 400 naming the depth limit', async () => {
    const nested = fc.tuple(
      fc.integer({ min: 65, max: 40_000 }),
      fc.constantFrom('[', '{"a":'),
      fc.constantFrom('/v1/plans', '/v1/coaching', '/v1/batches'),
      fc.boolean(),
    );
    await fc.assert(
      fc.asyncProperty(nested, async ([depth, open, url, withKey]) => {
        const close = open === '[' ? ']' : '}';
        const deep = `${open.repeat(depth)}1${close.repeat(depth)}`;
        const payload =
          url === '/v1/batches'
            ? `{"items":[{"customId":"a","description":"d","metadata":{"x":${deep}}}]}`
            : `{"description":"d","metadata":{"x":${deep}}}`;
        const response = await send({
          method: 'POST',
          url,
          headers: { ...AUTH, ...JSON_TYPE, ...(withKey ? { 'idempotency-key': `deep-${depth}` } : {}) },
          payload,
        });
        expectProblem(response, ['validation_failed']);
        expect(JSON.parse(response.body).detail).toContain('more than 64 levels deep');
      }),
      { numRuns: 60 },
    );
    const line = `{"customId":"a","description":"d","metadata":{"x":${'['.repeat(20_000)}${']'.repeat(20_000)}}}\n`;
    const ndjson = await send({
      method: 'POST',
      url: '/v1/batches',
      headers: { ...AUTH, ...NDJSON_TYPE, 'idempotency-key': 'deep-ndjson' },
      payload: line,
    });
    expectProblem(ndjson, ['validation_failed']);
    expect(JSON.parse(ndjson.body).errors).toEqual([
      { field: 'line 1', message: 'nests arrays and objects more than 64 levels deep' },
    ]);
  });

  it('is still up and still serves after all of it', async () => {
    expect(requests).toBeGreaterThanOrEqual(10_000);
    expect((await send({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect((await send({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    const accepted = await send({
      method: 'POST',
      url: '/v1/plans',
      headers: { ...AUTH, ...JSON_TYPE },
      payload: JSON.stringify(VALID_PLAN),
    });
    expect(accepted.statusCode).toBe(202);
  });
});
