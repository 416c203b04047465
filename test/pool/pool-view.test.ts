import type { InstanceState } from '@spillway/core';
import { afterEach, describe, expect, it } from 'vitest';
import { inFlightCell, usageCell } from '../../apps/cli/src/format/pool.js';
import { runCli } from '../cli/run-cli.js';
import { ADMIN_KEY, type AdminApi, basicAuth, startAdminApi } from '../observability/admin-api.js';
import { HAS_CHROMIUM, launchChromium } from '../support/chromium.js';
import { type Stack, startStack } from '../support/stack.js';

/** The page's own number format (pool-page.ts): 10,000 and over in thousands. */
const pageNumber = (n: number) => (n >= 10_000 ? `${Math.round(n / 1000)}k` : String(n));

const MEASURES = [
  ['minute', 'requests'],
  ['minute', 'tokens'],
  ['day', 'requests'],
  ['day', 'tokens'],
] as const;

/**
 * The figures that do not move between two reads a moment apart: exhaustsAt moves with `now`, and
 * limitedUntil (now + the limit's TTL) by a millisecond or two.
 */
function steady(instances: InstanceState[]) {
  return instances.map(({ windows, limitedUntil, ...rest }) => ({
    ...rest,
    limitedUntil: limitedUntil && Math.round(Date.parse(limitedUntil) / 1000),
    windows: MEASURES.map(([w, m]) => {
      const { limit, source, used, freesAt } = windows[w][m];
      return { w, m, limit, source, used, freesAt };
    }),
  }));
}

describe('one truthful pool view', () => {
  let stack: Stack | undefined;
  let admin: AdminApi | undefined;
  afterEach(async () => {
    await admin?.close();
    await stack?.close();
    [admin, stack] = [undefined, undefined];
  });

  it('/v1/pool, `spillway pool` and /admin/pool show the same limits, sources, usage, times and calls in flight', async () => {
    stack = await startStack({
      // The gemini dialect sends no rate-limit headers: every header figure below is ours.
      models: { 'sim-small': { dialect: 'gemini' } },
      providers: {
        providers: [
          { id: 'sim-a', type: 'simulated', baseUrl: '{{sim}}', models: ['sim-small'] },
          {
            id: 'sim-b',
            type: 'simulated',
            baseUrl: '{{sim}}',
            models: { 'sim-small': { rpm: 5, rpd: 100 } },
          },
          {
            id: 'sim-c',
            type: 'simulated',
            baseUrl: '{{sim}}',
            models: { 'sim-small': { maxConcurrent: 3 } },
          },
        ],
      },
    });
    const pool = stack.worker.pool;
    const [a, b, c] = ['sim-a', 'sim-b', 'sim-c'].map(
      (p) => stack!.providers.instances.find((i) => i.id === `${p}/sim-small`)!,
    );
    const reserve = async (instance: typeof a) => {
      const choice = await pool.choose([{ instance: instance!, tier: 0 }], 100);
      if (choice.kind !== 'reserved') throw new Error('expected a reservation');
      return choice;
    };
    // a: catalog limits, three calls. b: configured limits, a header stating its tokens per minute,
    // then a 429. c: nothing known until a day 429 teaches its daily request limit; at most 3 in flight:
    // one call answered, one in flight, one refused (the 429 counts the answered one only).
    for (let i = 0; i < 3; i++) await reserve(a);
    const onB = await reserve(b);
    await pool.settle(b!, onB.reservationId, 150, [
      { what: 'tokens', window: 'minute', limit: 7000, remaining: 6850, resetMs: 30_000 },
    ]);
    const refusedOnB = await reserve(b);
    await pool.markLimited(
      b!,
      { scope: 'instance', window: 'minute', measure: 'requests', retryAfterMs: 30_000, reason: 'rpm' },
      refusedOnB.reservationId,
    );
    const answeredOnC = await reserve(c);
    await pool.settle(c!, answeredOnC.reservationId, 150);
    await reserve(c);
    const refusedOnC = await reserve(c);
    await pool.markLimited(
      c!,
      { scope: 'instance', window: 'day', measure: 'requests', retryAfterMs: 30_000, reason: 'rpd' },
      refusedOnC.reservationId,
    );

    const api = (await (await stack.request('GET', '/v1/pool')).json()) as { instances: InstanceState[] };
    admin = await startAdminApi({ prefix: stack.prefix, instances: stack.providers.instances });
    const page = (await (
      await fetch(`${admin.url}/admin/pool.json`, {
        headers: { authorization: basicAuth('admin', ADMIN_KEY) },
      })
    ).json()) as { instances: InstanceState[] };
    const cli = await runCli(['pool'], { SPILLWAY_URL: stack.url, SPILLWAY_API_KEY: stack.apiKey });
    expect(cli.code).toBe(0);

    // The facts, with their sources.
    const byId = (id: string) => api.instances.find((i) => i.id === id)!;
    expect(byId('sim-a/sim-small').windows.minute.requests).toMatchObject({
      limit: 60,
      source: 'catalog',
      used: 3,
    });
    expect(byId('sim-a/sim-small').windows.day.requests).toMatchObject({
      limit: 10_000,
      source: 'catalog',
      used: 3,
    });
    expect(byId('sim-a/sim-small').windows.day.requests.exhaustsAt).not.toBeNull();
    expect(byId('sim-a/sim-small').windows.day.tokens).toMatchObject({
      limit: null,
      source: null,
      used: 300,
    });
    expect(byId('sim-b/sim-small')).toMatchObject({ state: 'limited', reason: 'rpm' });
    expect(byId('sim-b/sim-small').windows.minute.requests).toMatchObject({
      limit: 5,
      source: 'configured',
      used: 1,
    });
    expect(byId('sim-b/sim-small').windows.minute.tokens).toMatchObject({
      limit: 7000,
      source: 'header',
      used: 150,
    });
    expect(byId('sim-c/sim-small').windows.day.requests).toMatchObject({
      limit: 1,
      source: 'learned',
      used: 2,
    });
    // c holds one call in flight of its 3 (the refused one gave its slot back); the others have no cap.
    expect(byId('sim-c/sim-small').inFlight).toEqual({ calls: 1, maxConcurrent: 3 });
    expect([byId('sim-a/sim-small').inFlight, byId('sim-b/sim-small').inFlight]).toEqual([null, null]);
    for (const i of api.instances) {
      for (const [w, m] of MEASURES) {
        const { used, freesAt } = i.windows[w][m];
        expect(freesAt === null).toBe(used === 0);
      }
    }

    // The page's data is the API's.
    expect(steady(page.instances)).toEqual(steady(api.instances));
    // The command line prints the same figures: one row per instance and window.
    const rows = cli.stdout.trim().split('\n').slice(1);
    expect(rows).toHaveLength(api.instances.length * 2);
    for (const i of api.instances) {
      for (const window of ['minute', 'day'] as const) {
        const row = rows.find((r) => r.startsWith(`${i.id} `) && new RegExp(`\\s${window}\\s`).test(r));
        expect(row, `${i.id} ${window}`).toBeDefined();
        const { requests, tokens } = i.windows[window];
        if (i.inFlight) expect(row).toMatch(new RegExp(`\\s${inFlightCell(i)}\\s`));
        expect(row).toContain(usageCell(requests));
        expect(row).toContain(usageCell(tokens));
        const frees = [requests.freesAt, tokens.freesAt].filter((t): t is string => t !== null).sort()[0];
        if (frees) expect(row).toContain(frees.replace(/\.\d+Z$/, 'Z'));
      }
    }

    // The page, as a browser renders it from its data, where a Chromium is installed.
    if (!HAS_CHROMIUM) return;
    const browser = await launchChromium();
    try {
      const context = await browser.newContext({
        httpCredentials: { username: 'admin', password: ADMIN_KEY },
      });
      const tab = await context.newPage();
      await tab.goto(`${admin.url}/admin/pool`);
      await tab.locator('[data-instance]').first().waitFor();
      for (const i of api.instances) {
        for (const [w, m] of MEASURES) {
          const bar = tab.locator(`[data-instance="${i.id}"] .bar[data-window="${w}"][data-what="${m}"]`);
          const { limit, source, used, freesAt } = i.windows[w][m];
          expect(await bar.locator('.figures').textContent()).toBe(
            limit === null
              ? `${pageNumber(used)} (no known limit)`
              : `${pageNumber(used)} / ${pageNumber(limit)}`,
          );
          const text = async (name: string) =>
            (await bar.locator(name).count()) > 0 ? await bar.locator(name).textContent() : null;
          expect(await text('.source')).toBe(source);
          expect(await text('.frees')).toBe(freesAt && `frees ${freesAt.slice(11, 19)}Z`);
          // When the day runs out moves with every read (the rate's span grows): shown where the API has one.
          const exhausts = w === 'day' ? i.windows.day[m].exhaustsAt : null;
          expect((await text('.exhausts')) !== null).toBe(exhausts !== null);
        }
        expect(await tab.locator(`[data-instance="${i.id}"]`).getAttribute('data-state')).toBe(i.state);
        const inFlight = tab.locator(`[data-instance="${i.id}"] .bar[data-what="in-flight"] .figures`);
        if (i.inFlight === null) expect(await inFlight.count()).toBe(0);
        else expect(await inFlight.textContent()).toBe(`${i.inFlight.calls} / ${i.inFlight.maxConcurrent}`);
      }
    } finally {
      await browser.close();
    }
  });
});
