import { afterEach, describe, expect, it } from 'vitest';
import { type Stack, startStack } from '../support/stack.js';

const WINDOW = 1000;
const RPM = 4;
const GLOBEX_KEY = 'sk-test-globex-0123456789abcdef';

/**
 * Scarce capacity shared between tenants: one tenant's big batch waits on an rpm-limited model;
 * another tenant's single plan, submitted meanwhile, runs after at most a few of the batch's jobs,
 * not after the batch.
 */
describe('tenants sharing scarce capacity', () => {
  let stack: Stack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  it("one tenant's batch holds up another tenant's single plan by no more than a few jobs", async () => {
    stack = await startStack({
      models: { m: { dialect: 'groq', rpm: 1000 } },
      providers: { providers: [{ id: 'sim', type: 'simulated', models: { m: { rpm: RPM } } }] },
      minuteWindow: { ms: WINDOW, guardMs: 100 },
      tenants: [{ tenant: 'globex', key: GLOBEX_KEY }],
    });
    const items = Array.from({ length: 10 * RPM }, (_, i) => ({
      customId: `i-${i}`,
      description: `Day ${i}`,
    }));
    const batch = await stack.request(
      'POST',
      '/v1/batches',
      { items },
      { authorization: `Bearer ${GLOBEX_KEY}` },
    );
    expect(batch.status).toBe(202);
    // The batch has the model's capacity to itself for a window, and a backlog waiting.
    await expect
      .poll(() => stack!.sim.stats().m?.accepted ?? 0, { timeout: 10_000 })
      .toBeGreaterThanOrEqual(RPM);

    const submittedAt = Date.now();
    const response = await stack.request('POST', '/v1/plans', { description: 'acme: one plan' });
    expect(response.status).toBe(202);
    const { id } = (await response.json()) as { id: string };
    const view = (await stack.waitForJob(id, 30_000)) as { status: string; attempts: Array<{ at: string }> };
    expect(view.status).toBe('completed');
    const ranAt = Date.parse(view.attempts.at(-1)!.at);
    const ahead = stack.sim.stats().m!.acceptedAt.filter((t) => t > submittedAt && t < ranAt).length;
    expect(ahead).toBeLessThanOrEqual(RPM);
  }, 60_000);
});
