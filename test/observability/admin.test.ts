import { afterEach, describe, expect, it } from 'vitest';
import { enqueuePlans, jobsQueue } from '../support/enqueue.js';
import { instance } from '../support/instances.js';
import { uniquePrefix } from '../support/tracked.js';
import { ADMIN_KEY, type AdminApi, basicAuth, startAdminApi } from './admin-api.js';

const BEARER = { authorization: `Bearer ${ADMIN_KEY}` };

describe('admin pages behind ADMIN_KEY', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  async function api(adminKey?: string | null): Promise<{ api: AdminApi; prefix: string }> {
    const prefix = uniquePrefix('admin');
    const started = await startAdminApi({ prefix, instances: [instance('sim-a', 'm')], adminKey });
    cleanup.push(() => started.close());
    return { api: started, prefix };
  }

  it('answers 401 problem+json with a Basic challenge without the key or with a wrong one', async () => {
    const { api: admin } = await api();
    for (const path of ['/admin/queues', '/admin/queues/api/queues', '/admin/pool', '/admin/pool.json']) {
      for (const headers of [
        {} as Record<string, string>,
        { authorization: 'Bearer not-the-admin-key-000000' },
        { authorization: basicAuth('admin', 'wrong') },
        { authorization: 'Basic %%%' },
        // The API's tenant key is not the admin key.
        { authorization: 'Bearer sk-test-admin-api-0123456789' },
      ]) {
        const answer = await fetch(`${admin.url}${path}`, { headers });
        expect(answer.status, `${path} ${JSON.stringify(headers)}`).toBe(401);
        expect(answer.headers.get('content-type')).toContain('application/problem+json');
        expect(answer.headers.get('www-authenticate')).toBe('Basic realm="Spillway admin", charset="UTF-8"');
        expect(await answer.json()).toMatchObject({ status: 401, code: 'unauthorized', instance: path });
      }
    }
  });

  it('serves the queue dashboard with the key, as Bearer or as the Basic password, assets included', async () => {
    const { api: admin } = await api();
    for (const authorization of [BEARER.authorization, basicAuth('anyone', ADMIN_KEY)]) {
      const page = await fetch(`${admin.url}/admin/queues`, { headers: { authorization } });
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toContain('text/html');
      const html = await page.text();
      expect(html).toContain('<base href="/admin/queues/" />');
      expect(html).toContain('Spillway queues');
      // Assets are linked relative to the base: they must load under the prefix, and need the key too.
      const assets = [...html.matchAll(/(?:href|src)="(static\/[^"]+\.(?:css|js))"/g)].map((m) => m[1]!);
      expect(assets.length).toBeGreaterThan(0);
      for (const asset of assets) {
        const url = `${admin.url}/admin/queues/${asset}`;
        const loaded = await fetch(url, { headers: { authorization } });
        expect(loaded.status, asset).toBe(200);
        expect(loaded.headers.get('content-type')).toMatch(/text\/css|javascript/);
        expect((await loaded.arrayBuffer()).byteLength).toBeGreaterThan(0);
        const anonymous = await fetch(url);
        expect(anonymous.status).toBe(401);
        await anonymous.body?.cancel();
      }
    }
  });

  it('opens a session on a request with the key: an HttpOnly, SameSite=Strict, expiring cookie that lets later requests in', async () => {
    let now = Date.parse('2026-12-01T10:00:00Z');
    const prefix = uniquePrefix('admin');
    const admin = await startAdminApi({ prefix, instances: [instance('sim-a', 'm')], clock: () => now });
    cleanup.push(() => admin.close());
    const login = await fetch(`${admin.url}/admin/pool`, {
      headers: { authorization: basicAuth('me', ADMIN_KEY) },
    });
    expect(login.status).toBe(200);
    await login.text();
    const setCookie = login.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(
      /^spillway_admin=[\w.-]+; Path=\/admin; Max-Age=43200; HttpOnly; SameSite=Strict$/,
    );
    const cookie = setCookie.split(';')[0]!;
    // The token is opaque: it says nothing of the key.
    expect(cookie).not.toContain(ADMIN_KEY);
    expect(cookie).not.toContain(Buffer.from(ADMIN_KEY).toString('base64'));

    for (const path of ['/admin/queues/api/queues', '/admin/pool.json', '/admin/queues']) {
      const withCookie = await fetch(`${admin.url}${path}`, { headers: { cookie } });
      expect(withCookie.status, path).toBe(200);
      // A session does not renew itself on every request.
      expect(withCookie.headers.get('set-cookie')).toBeNull();
      await withCookie.body?.cancel();
    }
    const tampered = `${cookie.slice(0, -2)}${cookie.endsWith('A') ? 'B' : 'A'}x`;
    const forged = await fetch(`${admin.url}/admin/pool.json`, { headers: { cookie: tampered } });
    expect(forged.status).toBe(401);
    await forged.body?.cancel();

    now += 12 * 3_600_000;
    const expired = await fetch(`${admin.url}/admin/pool.json`, { headers: { cookie } });
    expect(expired.status).toBe(401);
    expect(expired.headers.get('www-authenticate')).toBe('Basic realm="Spillway admin", charset="UTF-8"');
    await expired.body?.cancel();
  });

  it('a session of one admin key does not open the pages under another', async () => {
    const { api: first } = await api();
    const login = await fetch(`${first.url}/admin/pool.json`, { headers: BEARER });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    await login.body?.cancel();
    const { api: second } = await api('adm-another-key-0123456789');
    const answer = await fetch(`${second.url}/admin/pool.json`, { headers: { cookie } });
    expect(answer.status).toBe(401);
    await answer.body?.cancel();
  });

  it('serves the dashboard page with nothing from outside the server, under a policy that forbids it', async () => {
    const { api: admin } = await api();
    const page = await fetch(`${admin.url}/admin/queues`, { headers: BEARER });
    const html = await page.text();
    expect(html).not.toMatch(/(?:href|src)="(?:https?:)?\/\//);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
  });

  it("lists the jobs and webhooks queues with their counts in the dashboard's API, read-only", async () => {
    const { api: admin, prefix } = await api();
    const queue = jobsQueue(prefix);
    cleanup.push(() => queue.close());
    await enqueuePlans(queue, 2);
    const answer = await fetch(`${admin.url}/admin/queues/api/queues?activeQueue=jobs&status=waiting`, {
      headers: BEARER,
    });
    expect(answer.status).toBe(200);
    const body = (await answer.json()) as {
      queues: Array<{ name: string; readOnlyMode: boolean; counts: Record<string, number>; jobs: unknown[] }>;
    };
    expect(body.queues.map((q) => q.name).sort()).toEqual(['jobs', 'webhooks']);
    const jobs = body.queues.find((q) => q.name === 'jobs')!;
    expect(jobs.counts.waiting).toBe(2);
    expect(jobs.jobs).toHaveLength(2);
    expect(jobs.readOnlyMode).toBe(true);
  });

  it('serves the pool as JSON with the server time, for the pool page', async () => {
    const { api: admin } = await api();
    const answer = await fetch(`${admin.url}/admin/pool.json`, {
      headers: { authorization: basicAuth('admin', ADMIN_KEY) },
    });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    const body = (await answer.json()) as { now: string; instances: Array<{ id: string; state: string }> };
    expect(Math.abs(Date.parse(body.now) - Date.now())).toBeLessThan(5000);
    expect(body.instances).toEqual([expect.objectContaining({ id: 'sim-a/m', state: 'available' })]);
    const page = await fetch(`${admin.url}/admin/pool`, { headers: BEARER });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'none'; script-src 'sha256-/);
    expect(await page.text()).not.toMatch(/<script[^>]+src=|<link[^>]+href="http/);
  });

  it('serves no admin pages without an admin key; /metrics stays open', async () => {
    const { api: plain } = await api(null);
    for (const path of ['/admin/queues', '/admin/pool', '/admin/pool.json']) {
      const answer = await fetch(`${plain.url}${path}`, { headers: BEARER });
      expect(answer.status, path).toBe(404);
      expect(await answer.json()).toMatchObject({ code: 'not_found' });
    }
    const metrics = await fetch(`${plain.url}/metrics`);
    expect(metrics.status).toBe(200);
    await metrics.text();
  });

  it('keeps the admin pages and the dashboard internals out of the public API document', async () => {
    const { api: admin } = await api();
    const doc = (await (await fetch(`${admin.url}/docs/openapi.json`)).json()) as {
      paths: Record<string, unknown>;
      components: { securitySchemes: Record<string, unknown> };
    };
    expect(Object.keys(doc.paths).filter((path) => path.startsWith('/admin'))).toEqual([]);
    expect(Object.keys(doc.components.securitySchemes)).toEqual(['bearer']);
  });
});
