import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApi, createAuthenticator } from '@spillway/api';
import {
  closeRedis,
  createLogger,
  LiveProviders,
  loadProviders,
  providersKeys,
  readProvidersFile,
  Secret,
} from '@spillway/core';
import { afterEach, describe, expect, it } from 'vitest';
import { testRedis } from '../support/redis.js';
import { uniquePrefix } from '../support/tracked.js';

const ADMIN_KEY = 'sk-test-admin-reload-0123456789';
const SIM = 'http://127.0.0.1:1/v1';
const silent = createLogger({ level: 'silent' });

const file = (rpm: number, models: string[] = ['m']) => ({
  providers: [
    {
      id: 'sim',
      type: 'simulated',
      models: Object.fromEntries(models.map((m) => [m, { rpm }])),
    },
  ],
});

/**
 * LiveProviders as each process holds it: a reload is validated, published in Redis and followed
 * by every other holder on the same prefix; a bad file changes nothing anywhere.
 */
describe('live providers', () => {
  const cleanup: Array<() => Promise<unknown> | unknown> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  async function setup() {
    const dir = mkdtempSync(join(tmpdir(), 'spillway-reload-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'providers.json');
    const write = (content: unknown) =>
      writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
    write(file(30));
    const prefix = uniquePrefix('reload');
    const open = async (role: string, own = path) => {
      const redis = testRedis(prefix, `${role}-cmd`);
      const subscriber = testRedis(prefix, `${role}-sub`);
      const text = await readProvidersFile(own);
      const live = await LiveProviders.start(
        {
          file: own,
          env: {},
          simulatorUrl: SIM,
          redis,
          subscriber,
          prefix,
          logger: silent,
          role,
          checkEveryMs: 200,
        },
        { setup: loadProviders({ fileText: text, env: {}, simulatorUrl: SIM }), text },
      );
      cleanup.push(async () => {
        await live.close();
        await closeRedis(subscriber);
        await closeRedis(redis);
      });
      return { live, redis };
    };
    return { prefix, write, open, dir };
  }

  it('publishes a good file and every holder runs it: limits, added and removed models', async () => {
    const { write, open, prefix } = await setup();
    const a = await open('api');
    const b = await open('worker');
    expect(b.live.current().version).toBe(a.live.current().version);
    const before = a.live.current().version;

    write(file(5, ['m2', 'm3']));
    const outcome = await a.live.reload();
    expect(outcome).toMatchObject({ ok: true, changed: true, instances: 2 });
    const after = a.live.current().version;
    expect(after).not.toBe(before);
    expect(after).toMatch(/^\d+-[0-9a-f]{12}$/);
    await expect.poll(() => b.live.current().version).toBe(after);
    const instances = b.live.current().instances;
    expect(instances.map((i) => i.id)).toEqual(['sim/m2', 'sim/m3']);
    expect(instances[0]!.limits.rpm).toBe(5);
    expect([...b.live.current().models].sort()).toEqual(['m2', 'm3']);
    // Each process says which version it runs.
    await expect
      .poll(async () => Object.values(await a.redis.hgetall(providersKeys(prefix).processes)))
      .toEqual([after, after]);

    // The same content again is the same version, not a new one.
    expect(await b.live.reload()).toMatchObject({ ok: true, changed: false, version: after });
  });

  it('a process whose own copy of the file is not the published version keeps its version until the copy arrives', async () => {
    const { write, open, dir } = await setup();
    const a = await open('api');
    // Another host: its own copy of the same file.
    const copy = join(dir, 'copy.json');
    writeFileSync(copy, JSON.stringify(file(30)));
    const b = await open('worker', copy);
    const before = b.live.current().version;
    expect(before).toBe(a.live.current().version);

    write(file(9));
    expect((await a.live.reload()).ok).toBe(true);
    const after = a.live.current().version;
    // B checks every 200 ms: over a few checks it must not take a file it does not have.
    await new Promise((r) => setTimeout(r, 600));
    expect(b.live.current().version).toBe(before);
    expect(b.live.current().instances[0]!.limits.rpm).toBe(30);

    writeFileSync(copy, JSON.stringify(file(9)));
    await expect.poll(() => b.live.current().version).toBe(after);
    expect(b.live.current().instances[0]!.limits.rpm).toBe(9);
  });

  it('refuses a bad file with the field named, and the version in force stays everywhere', async () => {
    const { write, open } = await setup();
    const a = await open('api');
    const b = await open('worker');
    const version = a.live.current().version;
    write({ providers: [{ id: 'sim', type: 'simulated', models: { m: { rpm: -1 } } }] });
    const outcome = await a.live.reload();
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.error.issues.join('\n')).toContain('providers[0].models.m.rpm');
    expect(outcome.version).toBe(version);
    expect(a.live.current().version).toBe(version);
    expect(a.live.current().instances[0]!.limits.rpm).toBe(30);
    // A SIGHUP to the other process reads the same bad file: refused there too.
    expect((await b.live.reload()).ok).toBe(false);
    expect(b.live.current().version).toBe(version);
  });

  it('POST /admin/reload answers the new version; a bad file is a 400 naming the field; /readyz and /v1/pool show the version', async () => {
    const { write, open, prefix } = await setup();
    const { live } = await open('api');
    const redis = testRedis(prefix, 'api');
    cleanup.push(() => closeRedis(redis));
    const app = await buildApi({
      redis,
      prefix,
      providers: live,
      authenticator: createAuthenticator([
        { tenant: 'acme', key: new Secret('sk-test-acme-0123456789abcdef') },
      ]),
      logger: silent,
      adminKey: new Secret(ADMIN_KEY),
    });
    cleanup.push(() => app.close());
    const admin = { authorization: `Bearer ${ADMIN_KEY}` };

    write(file(7));
    const reloaded = await app.inject({ method: 'POST', url: '/admin/reload', headers: admin });
    expect(reloaded.statusCode).toBe(200);
    const version = reloaded.json().providersVersion as string;
    expect(reloaded.json()).toEqual({ providersVersion: version, changed: true, instances: 1 });
    expect((await app.inject({ method: 'GET', url: '/readyz' })).json()).toEqual({
      status: 'ready',
      providersVersion: version,
    });
    const pool = await app.inject({
      method: 'GET',
      url: '/v1/pool',
      headers: { authorization: 'Bearer sk-test-acme-0123456789abcdef' },
    });
    expect(pool.json().providersVersion).toBe(version);

    write('{ "providers": [ { "id": "sim", "type": "simulated", "models": ["m"], "free": "yes" } ] }');
    const refused = await app.inject({ method: 'POST', url: '/admin/reload', headers: admin });
    expect(refused.statusCode).toBe(400);
    expect(refused.headers['content-type']).toContain('application/problem+json');
    expect(refused.json()).toMatchObject({
      code: 'invalid_providers_file',
      errors: [{ field: 'providers[0].free' }],
    });
    expect(live.current().version).toBe(version);

    const anonymous = await app.inject({ method: 'POST', url: '/admin/reload' });
    expect(anonymous.statusCode).toBe(401);
  });
});
