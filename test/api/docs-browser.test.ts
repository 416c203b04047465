import type { Browser } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { CHROMIUM, HAS_CHROMIUM, launchChromium } from '../support/chromium.js';
import { type Stack, startStack } from '../support/stack.js';

if (!HAS_CHROMIUM) {
  console.warn(`Skipping the /docs browser test: no ${CHROMIUM} (apt-get install -y chromium).`);
}

describe.skipIf(!HAS_CHROMIUM)(`the API reference at /docs in headless Chromium (${CHROMIUM})`, () => {
  let stack: Stack | undefined;
  let browser: Browser | undefined;
  afterEach(async () => {
    await browser?.close();
    await stack?.close();
    [browser, stack] = [undefined, undefined];
  });

  it('renders every public operation and the problem codes, loading nothing from outside the server', async () => {
    stack = await startStack();
    browser = await launchChromium();
    const page = await browser.newPage();
    const requests: string[] = [];
    const failures: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    page.on('requestfailed', (request) => failures.push(request.url()));
    page.on('pageerror', (err) => failures.push(err.message));

    expect((await page.goto(`${stack.url}/docs`))?.status()).toBe(200);
    await page.locator('.opblock').first().waitFor({ timeout: 15_000 });
    const operations = await page.locator('.opblock-summary-path').allTextContents();
    expect(operations.map((path) => path.replace(/\u200b/g, ''))).toEqual(
      expect.arrayContaining(['/v1/plans', '/v1/coaching', '/v1/jobs/{id}', '/v1/batches', '/v1/pool']),
    );
    expect(operations.some((path) => path.startsWith('/admin'))).toBe(false);
    expect(await page.locator('#problem-validation_failed').count()).toBe(1);

    const outside = requests.filter(
      (url) => !url.startsWith('data:') && new URL(url).hostname !== '127.0.0.1',
    );
    expect(outside).toEqual([]);
    expect(failures).toEqual([]);
  }, 60_000);
});
