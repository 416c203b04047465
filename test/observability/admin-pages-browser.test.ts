import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { CHROMIUM, HAS_CHROMIUM, launchChromium } from '../support/chromium.js';
import { enqueuePlans, jobsQueue } from '../support/enqueue.js';
import { instance } from '../support/instances.js';
import { uniquePrefix } from '../support/tracked.js';
import { ADMIN_KEY, type AdminApi, startAdminApi } from './admin-api.js';

if (!HAS_CHROMIUM) {
  console.warn(`Skipping the admin pages browser test: no ${CHROMIUM} (apt-get install -y chromium).`);
}

type Way = 'credentials in the URL' | 'the login prompt';

/**
 * Both admin pages, opened the two ways a person does: with the key in the URL
 * (`http://admin:KEY@host/admin/queues`, as the start banner suggests), and through the browser's
 * login prompt. Each must get past its "Loading" to live data, with every request on loopback.
 */
describe.skipIf(!HAS_CHROMIUM)(`the admin pages in headless Chromium (${CHROMIUM})`, () => {
  let admin: AdminApi | undefined;
  let browser: Browser | undefined;
  afterEach(async () => {
    await browser?.close();
    await admin?.close();
    [browser, admin] = [undefined, undefined];
  });

  async function open(way: Way): Promise<{ context: BrowserContext; base: string }> {
    const prefix = uniquePrefix('admin-browser');
    const queue = jobsQueue(prefix);
    await enqueuePlans(queue, 3);
    await queue.close();
    admin = await startAdminApi({ prefix, instances: [instance('sim-a', 'm', { rpm: 30 })] });
    browser = await launchChromium();
    const url = new URL(admin.url);
    if (way === 'the login prompt') {
      // Playwright answers the Basic challenge as a person answers the prompt.
      const context = await browser.newContext({
        httpCredentials: { username: 'admin', password: ADMIN_KEY },
      });
      return { context, base: admin.url };
    }
    url.username = 'admin';
    url.password = ADMIN_KEY;
    return { context: await browser.newContext(), base: url.toString().replace(/\/$/, '') };
  }

  function watch(page: Page) {
    const requests: string[] = [];
    const failures: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    page.on('requestfailed', (request) => failures.push(`${request.url()} ${request.failure()?.errorText}`));
    page.on('response', (response) => {
      if (response.status() >= 400) failures.push(`${response.status()} ${response.url()}`);
    });
    page.on('pageerror', (err) => failures.push(err.message));
    return { requests, failures };
  }

  const offLoopback = (requests: string[]) =>
    requests.filter((url) => !url.startsWith('data:') && new URL(url).hostname !== '127.0.0.1');

  it.each<Way>([
    'credentials in the URL',
    'the login prompt',
  ])('opens the queue dashboard and the pool page with %s, shows live data, and loads nothing from outside', async (way) => {
    const { context, base } = await open(way);

    const dashboard = await context.newPage();
    const seenOnDashboard = watch(dashboard);
    expect((await dashboard.goto(`${base}/admin/queues`))?.status()).toBe(200);
    // Live data: the dashboard's own API calls list the queues, with the three waiting plans.
    await dashboard.getByText('jobs', { exact: true }).first().waitFor({ timeout: 15_000 });
    await expect
      .poll(() => seenOnDashboard.requests.some((u) => u.includes('/admin/queues/api/queues')))
      .toBe(true);
    expect(await dashboard.getByText('Loading', { exact: true }).count()).toBe(0);

    const pool = await context.newPage();
    const seenOnPool = watch(pool);
    expect((await pool.goto(`${base}/admin/pool`))?.status()).toBe(200);
    const card = pool.locator('[data-instance="sim-a/m"]');
    await expect.poll(() => card.getAttribute('data-state'), { timeout: 15_000 }).toBe('available');
    await expect.poll(() => pool.locator('#status').getAttribute('class')).toBe('live');

    const cookies = await context.cookies();
    expect(cookies).toEqual([
      expect.objectContaining({ name: 'spillway_admin', path: '/admin', httpOnly: true, sameSite: 'Strict' }),
    ]);
    for (const seen of [seenOnDashboard, seenOnPool]) {
      expect(offLoopback(seen.requests)).toEqual([]);
      expect(seen.failures).toEqual([]);
    }
  }, 60_000);
});
