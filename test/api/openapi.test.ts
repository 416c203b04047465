import { API_ERRORS, buildApi, createAuthenticator } from '@spillway/api';
import { closeRedis, createLogger, Secret } from '@spillway/core';
// ajv (2020-12 dialect) comes with fastify; it validates samples against the published document.
import Ajv2020Module from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { afterEach, describe, expect, it } from 'vitest';

import { instance } from '../support/instances.js';
import { testRedis } from '../support/redis.js';
import { type Stack, startStack } from '../support/stack.js';
import { uniquePrefix } from '../support/tracked.js';

type Operation = {
  summary?: string;
  tags?: string[];
  security?: unknown[];
  responses: Record<string, unknown>;
  requestBody?: { content: Record<string, { schema: { $ref: string } }> };
  parameters?: Array<{ in: string; name: string; example?: unknown; schema?: { examples?: unknown[] } }>;
};
type Doc = {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
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

  it('is generated from the routes: every public route fastify registered, and no admin, dashboard, docs or HEAD route', async () => {
    const prefix = uniquePrefix('docs');
    const redis = testRedis(prefix, 'api');
    const app = await buildApi({
      redis,
      prefix,
      instances: [instance('sim-a', 'sim-small')],
      coachingDefaults: { policy: 'same' },
      authenticator: createAuthenticator([]),
      logger: createLogger({ level: 'silent' }),
      adminKey: new Secret('adm-docs-test-0123456789'),
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
      const isPublic = (route: string) =>
        !route.startsWith('HEAD ') && /^\S+ \/(v1\/|healthz$|readyz$|metrics$)/.test(route);
      expect(registered).toContain('GET /admin/queues');
      expect(registered).toContain('HEAD /v1/jobs/:id');
      expect(documented).toEqual(registered.filter(isPublic));
      // Every operation says what it does, whom it lets in, and what it answers.
      for (const [path, ops] of Object.entries(doc.paths)) {
        for (const [method, op] of Object.entries(ops) as Array<[string, Operation]>) {
          expect(op.summary, `${method} ${path}`).toEqual(expect.any(String));
          expect(op.tags?.length, `${method} ${path}`).toBe(1);
          expect(op.security, `${method} ${path}`).toEqual(path.startsWith('/v1/') ? [{ bearer: [] }] : []);
        }
      }
    } finally {
      await app.close();
      await closeRedis(redis);
    }
  });

  it('gives an example for every request body, and each example is a request the route accepts', async () => {
    stack = await startStack();
    const doc = (await (await fetch(`${stack.url}/docs/openapi.json`)).json()) as Doc;
    const bodies = Object.entries(doc.paths).flatMap(([path, ops]) =>
      (Object.entries(ops) as Array<[string, Operation]>)
        .filter(([, op]) => op.requestBody)
        .map(([method, op]) => ({
          method,
          path,
          ref: op.requestBody!.content['application/json']!.schema.$ref,
        })),
    );
    expect(bodies.map((b) => `${b.method} ${b.path}`).sort()).toEqual([
      'post /v1/batches',
      'post /v1/coaching',
      'post /v1/plans',
    ]);
    for (const { path, ref } of bodies) {
      const name = ref.split('/').pop()!;
      const examples = doc.components.schemas[name]!.examples as unknown[];
      expect(examples?.length, name).toBeGreaterThan(0);
      const validate = validatorFor(doc, name);
      for (const example of examples)
        expect(validate(example), `${name} ${JSON.stringify(validate.errors)}`).toBe(true);
      if (path === '/v1/plans') {
        for (const example of examples) expect((await stack.request('POST', path, example)).status).toBe(202);
      }
    }
    for (const path of ['/v1/jobs/{id}', '/v1/batches/{id}']) {
      const op = doc.paths[path]!.get as Operation;
      const param = op.parameters?.find((p) => p.in === 'path');
      expect(param?.example ?? param?.schema?.examples?.[0], path).toEqual(expect.any(String));
    }
  });

  it('validates PlanRequest exactly as POST /v1/plans does, for accepted and rejected samples', async () => {
    stack = await startStack();
    const doc = (await (await fetch(`${stack.url}/docs/openapi.json`)).json()) as Doc;
    const validate = validatorFor(doc, 'PlanRequestInput');
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

  it('serves an interactive reference at /docs, its assets from this server, reading /docs/openapi.json', async () => {
    stack = await startStack();
    const page = await fetch(`${stack.url}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    const assets = [...html.matchAll(/(?:href|src)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThan(2);
    for (const asset of assets) {
      expect(asset, 'served from this server').toMatch(/^\/docs\//);
      const loaded = await fetch(`${stack.url}${asset}`);
      expect(loaded.status, asset).toBe(200);
      await loaded.arrayBuffer();
    }
    const initializer = await (await fetch(`${stack.url}/docs/static/swagger-initializer.js`)).text();
    expect(initializer).toContain('/docs/openapi.json');
    // No online validator badge: Swagger UI would send the document to an outside host.
    expect(initializer).toContain('"validatorUrl":null');
    const doc = (await (await fetch(`${stack.url}/docs/openapi.json`)).json()) as Doc & {
      info: { description: string };
    };
    for (const code of Object.keys(API_ERRORS))
      expect(doc.info.description).toContain(`id="problem-${code}"`);
  });
});
