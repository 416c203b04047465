import { API_ERRORS, buildApi, createAuthenticator } from '@spillway/api';
import { closeRedis, createLogger } from '@spillway/core';
// ajv (2020-12 dialect) comes with fastify; it validates samples against the published document.
import Ajv2020Module from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { afterEach, describe, expect, it } from 'vitest';

import { instance } from '../support/instances.js';
import { testRedis } from '../support/redis.js';
import { type Stack, startStack } from '../support/stack.js';
import { uniquePrefix } from '../support/tracked.js';

type Doc = {
  openapi: string;
  paths: Record<string, Record<string, { security?: unknown[]; responses: Record<string, unknown> }>>;
  components: { schemas: Record<string, Record<string, unknown>>; securitySchemes: Record<string, unknown> };
  'x-problem-codes': Array<{ code: string; status: number; type: string }>;
};

// CommonJS modules whose exports are also their own `default`: this reads the same under Node and Vite.
const Ajv2020 = Ajv2020Module.default;
const addFormats = addFormatsModule.default;

function validatorFor(doc: Doc, name: string) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  // Components refer to each other as #/components/schemas/X: give ajv the whole document to resolve them.
  ajv.addSchema({ $id: 'doc', components: doc.components }, 'doc');
  return ajv.compile({ $ref: `doc#/components/schemas/${name}` });
}

/** `METHOD /path` for every route in fastify's own router, read from its printed tree. */
function routesFromTree(tree: string): string[] {
  const routes: string[] = [];
  const stack: string[] = [];
  for (const line of tree.split('\n')) {
    const match = /^([│ ]*)[├└]── (\S+)(?: \(([A-Z, ]+)\))?/.exec(line);
    if (!match) continue;
    const depth = match[1]!.length / 4;
    stack.length = depth;
    const path = `${stack.join('')}${match[2]}`;
    stack.push(match[2]!);
    for (const method of (match[3] ?? '').split(', ').filter(Boolean)) routes.push(`${method} ${path}`);
  }
  return routes.sort();
}

describe('the OpenAPI document at /docs', () => {
  let stack: Stack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  it('lists every route fastify registered, and nothing it did not', async () => {
    const prefix = uniquePrefix('docs');
    const redis = testRedis(prefix, 'api');
    const app = await buildApi({
      redis,
      prefix,
      instances: [instance('sim-a', 'sim-small')],
      coachingDefaults: { policy: 'same' },
      authenticator: createAuthenticator([]),
      logger: createLogger({ level: 'silent' }),
    });
    try {
      await app.ready();
      const answer = await app.inject({ method: 'GET', url: '/docs/openapi.json' });
      expect(answer.statusCode).toBe(200);
      expect(answer.headers['content-type']).toContain('application/json');
      const doc = JSON.parse(answer.body) as Doc;
      expect(doc.openapi).toMatch(/^3\.1\./);
      const documented = Object.entries(doc.paths)
        .flatMap(([path, ops]) =>
          Object.keys(ops).map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
        )
        .sort();
      const registered = routesFromTree(app.printRoutes({ commonPrefix: false }));
      expect(registered).toContain('POST /v1/plans');
      expect(registered).toContain('DELETE /v1/jobs/:id');
      expect(documented).toEqual(registered);
    } finally {
      await app.close();
      await closeRedis(redis);
    }
  });

  it('validates PlanRequest exactly as POST /v1/plans does, for accepted and rejected samples', async () => {
    stack = await startStack();
    const doc = (await (await fetch(`${stack.url}/docs/openapi.json`)).json()) as Doc;
    const validate = validatorFor(doc, 'PlanRequest');
    // callbackUrl is left out of the accepted samples: past the schema, the route also resolves its host.
    const samples: unknown[] = [
      { description: 'Deep work, then email' },
      { description: 'Gym and groceries', date: '2026-02-28', metadata: { ticket: 'T-9' } },
      { description: 'x', coaching: true, fallback: 'any', model: 'sim-small', deadlineSeconds: 60 },
      { description: 'x', coaching: { policy: 'upgrade', model: 'sim-small' } },
      {},
      { description: '' },
      { description: 'x', date: '2026-02-30' },
      { description: 'x', date: 'tomorrow' },
      { description: 'x', colour: 'blue' },
      { description: 'x', fallback: 'sometimes' },
      { description: 'x', deadlineSeconds: 1.5 },
      { description: 'x', deadlineSeconds: 0 },
      { description: 'x', coaching: { policy: 'same', extra: 1 } },
      { description: 'x', callbackUrl: 'not a url' },
      { description: 42 },
      ['x'],
    ];
    for (const sample of samples) {
      const response = await stack.request('POST', '/v1/plans', sample);
      expect([202, 400], JSON.stringify(sample)).toContain(response.status);
      expect(validate(sample), `${JSON.stringify(sample)} answered ${response.status}`).toBe(
        response.status === 202,
      );
    }
  });

  it('describes the job view and problems as they really are, with every registry code and bearer security', async () => {
    stack = await startStack();
    const doc = (await (await fetch(`${stack.url}/docs/openapi.json`)).json()) as Doc;
    const { id } = (await (
      await stack.request('POST', '/v1/plans', { description: 'Plan my Monday' })
    ).json()) as {
      id: string;
    };
    const completed = await stack.waitForJob(id);
    const validJobView = validatorFor(doc, 'JobView');
    expect(validJobView(completed), JSON.stringify(validJobView.errors)).toBe(true);
    expect(validJobView({ ...completed, status: 'sleeping' })).toBe(false);

    const problem = await (await stack.request('GET', '/v1/jobs/job_doesnotexist00')).json();
    expect(validatorFor(doc, 'Problem')(problem)).toBe(true);

    const codes = Object.keys(API_ERRORS).sort();
    expect(doc['x-problem-codes'].map((p) => p.code).sort()).toEqual(codes);
    for (const entry of doc['x-problem-codes']) expect(entry.type).toBe(`/docs#problem-${entry.code}`);
    const problemCode = (doc.components.schemas.Problem as { properties: { code: { enum: string[] } } })
      .properties.code;
    expect([...problemCode.enum].sort()).toEqual(codes);

    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.paths['/v1/plans']!.post!.security).toEqual([{ bearer: [] }]);
    expect(doc.paths['/v1/jobs/{id}']!.delete!.responses).toHaveProperty('409');
    expect(doc.paths['/healthz']!.get!.security).toEqual([]);
  });

  it('serves a readable page that links the JSON and explains every problem code', async () => {
    stack = await startStack();
    const page = await fetch(`${stack.url}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    expect(html).toContain('href="/docs/openapi.json"');
    expect(html).toContain('/v1/jobs/{id}');
    for (const code of Object.keys(API_ERRORS)) expect(html).toContain(`id="problem-${code}"`);
  });
});
