import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { CHROMIUM, HAS_CHROMIUM, launchChromium } from '../support/chromium.js';
import { type Stack, startStack } from '../support/stack.js';
import { ADMIN_KEY, type AdminApi, startAdminApi } from './admin-api.js';

const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));

if (!HAS_CHROMIUM) {
  console.warn(`Skipping the pool page browser test: no ${CHROMIUM} (apt-get install -y chromium).`);
}

/** `m:ss` or `h:mm:ss` as the page shows it, in seconds. */
function seconds(text: string): number {
  const parts = text.trim().split(':').map(Number);
  expect(parts.every(Number.isInteger), text).toBe(true);
  return parts.reduce((total, part) => total * 60 + part, 0);
}

describe.skipIf(!HAS_CHROMIUM)(`the live pool page in headless Chromium (${CHROMIUM})`, () => {
  let stack: Stack | undefined;
  let admin: AdminApi | undefined;
  let browser: Browser | undefined;
  afterEach(async () => {
    await browser?.close();
    await admin?.close();
    await stack?.close();
    [browser, admin, stack] = [undefined, undefined, undefined];
  });

  const card = (page: Page, id: string) => page.locator(`[data-instance="${id}"]`);

  it('shows a limit as it happens, with a countdown that runs down, the reason and usage bars', async () => {
    stack = await startStack({
      models: {
        'sim-small': { dialect: 'groq' },
        'sim-medium': { dialect: 'openai' },
        'sim-large': { dialect: 'gemini' },
      },
    });
    for (const description of ['Deep work, then email', 'Gym and groceries']) {
      const answer = await stack.request('POST', '/v1/plans', { description, model: 'sim-small' });
      await stack.waitForJob(((await answer.json()) as { id: string }).id);
    }
    admin = await startAdminApi({ prefix: stack.prefix, instances: stack.providers.instances });
    browser = await launchChromium();
    const context = await browser.newContext({
      httpCredentials: { username: 'admin', password: ADMIN_KEY },
      viewport: { width: 1180, height: 320 },
    });
    const page = await context.newPage();
    const failures: string[] = [];
    page.on('requestfailed', (request) => failures.push(request.url()));
    page.on('pageerror', (err) => failures.push(err.message));
    page.on('console', (message) => {
      if (message.type() === 'error') failures.push(message.text());
    });

    const answer = await page.goto(`${admin.url}/admin/pool`);
    expect(answer?.status()).toBe(200);
    const small = card(page, 'sim-a/sim-small');
    await expect.poll(() => small.getAttribute('data-state')).toBe('available');
    expect(await small.locator('.countdown').count()).toBe(0);

    // Usage against the catalog's limits: two calls of 60 a minute; tokens per day has no known limit.
    const bars = small.locator('.bar');
    expect(await bars.count()).toBe(4);
    const requestsPerMinute = small.locator('.bar[data-window="minute"][data-what="requests"]');
    expect(await requestsPerMinute.locator('.figures').textContent()).toBe('2 / 60');
    const style = await requestsPerMinute.locator('.fill').getAttribute('style');
    expect(Number.parseFloat(/width: ([\d.]+)%/.exec(style ?? '')?.[1] ?? '')).toBeCloseTo((2 / 60) * 100, 1);
    expect(await small.locator('.bar[data-window="day"][data-what="tokens"] .figures').textContent()).toMatch(
      /^\d+k? \(no known limit\)$/,
    );

    // Limits set while the page is open show up without a reload.
    const byId = (id: string) => stack!.providers.instances.find((i) => i.id === id)!;
    await stack.worker.pool.markLimited(byId('sim-a/sim-small'), {
      scope: 'instance',
      window: 'minute',
      retryAfterMs: 95_000,
      reason: 'rate limited (minute)',
    });
    await stack.worker.pool.disable(
      byId('sim-a/sim-large'),
      'quota exhausted: insufficient_quota',
      3_600_000,
    );
    await expect.poll(() => small.getAttribute('data-state'), { timeout: 5000 }).toBe('limited');
    expect(await small.locator('.badge').textContent()).toBe('limited');
    expect(await small.locator('.reason').textContent()).toBe('rate limited (minute)');
    expect(await card(page, 'sim-a/sim-large').locator('.badge').textContent()).toBe('disabled');
    expect(await card(page, 'sim-a/sim-medium').locator('.badge').textContent()).toBe('available');

    const countdown = small.locator('.countdown');
    const first = seconds((await countdown.textContent())!);
    const firstAt = Date.now();
    expect(first).toBeGreaterThan(85);
    expect(first).toBeLessThanOrEqual(95);
    await page.waitForTimeout(1100);
    const second = seconds((await countdown.textContent())!);
    // It counts down by the time that passed between the two readings, however long that was.
    const passed = Math.ceil((Date.now() - firstAt) / 1000);
    expect(second).toBeLessThan(first);
    expect(second).toBeGreaterThanOrEqual(first - passed - 1);
    expect(await page.locator('#summary').textContent()).toBe(
      '3 instances: 1 available, 1 limited, 1 disabled',
    );
    expect(await page.locator('#status').getAttribute('class')).toBe('live');

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}pool-page.png`, fullPage: true });
    expect(failures).toEqual([]);
  });
});
