import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeRedis, providersKeys } from '@spillway/core';
import { createSimulator, maxInWindow, type Simulator } from '@spillway/simulator';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../support/private-redis.js';
import { spawnReady, stopProcess } from '../support/processes.js';
import { redisUrl, testRedis } from '../support/redis.js';
import { uniquePrefix } from '../support/tracked.js';

/**
 * A limit lowered under load, in real processes: an API and two workers run a providers file;
 * the file changes and one worker gets SIGHUP; every process moves to the new version, and from
 * then on the simulator sees no window over the new limit. A "minute" lasts WINDOW ms in the pool
 * and in the simulator alike (the production algorithm, a shorter clock).
 */
const WINDOW = 1000;
const OLD_RPM = 20;
const NEW_RPM = 4;
const JOBS = 40;
const API_KEY = 'sk-test-reload-0123456789abcdef';
const ADMIN_KEY = 'sk-test-reload-admin-0123456789';

describe('a providers reload under load', () => {
  const cleanup: Array<() => Promise<unknown> | unknown> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  it('moves every process to the new version and no window goes over the new limit afterwards', async () => {
    const sim: Simulator = await createSimulator({
      models: { m: { dialect: 'groq', rpm: 1000 } },
      latencyMs: 20,
      minuteMs: WINDOW,
    });
    cleanup.push(() => sim.close());
    const dir = mkdtempSync(join(tmpdir(), 'spillway-reload-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'providers.json');
    const write = (rpm: number) =>
      writeFileSync(
        file,
        JSON.stringify({
          providers: [{ id: 'sim', type: 'simulated', baseUrl: sim.url, models: { m: { rpm } } }],
        }),
      );
    write(OLD_RPM);

    const prefix = uniquePrefix('reload');
    const redis = testRedis(prefix, 'observer');
    cleanup.push(() => closeRedis(redis));
    const processes: ChildProcess[] = [];
    cleanup.push(() => Promise.all(processes.map((p) => stopProcess(p))));
    const port = await freePort();
    const api = `http://127.0.0.1:${port}`;
    const starting = [
      spawnReady('test/support/api-process.ts', {
        SPILLWAY_TEST_API: JSON.stringify({
          redisUrl: redisUrl(),
          prefix,
          providersFile: file,
          simulatorUrl: sim.url,
          port,
          apiKey: API_KEY,
          adminKey: ADMIN_KEY,
        }),
      }),
    ];
    for (let i = 0; i < 2; i++) {
      starting.push(
        spawnReady('test/support/worker-process.ts', {
          SPILLWAY_TEST_WORKER: JSON.stringify({
            redisUrl: redisUrl(),
            prefix,
            providersFile: file,
            simulatorUrl: sim.url,
            concurrency: 10,
            minuteWindow: { ms: WINDOW, guardMs: 100 },
          }),
        }),
      );
    }
    processes.push(...(await Promise.all(starting)));
    const [, worker] = processes;

    const call = (method: string, path: string, body?: unknown) =>
      fetch(`${api}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${API_KEY}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    const versions = async () => Object.values(await redis.hgetall(providersKeys(prefix).processes));
    const before = ((await (await call('GET', '/readyz')).json()) as { providersVersion: string })
      .providersVersion;
    expect(await versions()).toEqual([before, before, before]);

    const ids = await Promise.all(
      Array.from({ length: JOBS }, async (_, i) => {
        const response = await call('POST', '/v1/plans', { description: `Day ${i}: write, gym` });
        expect(response.status).toBe(202);
        return ((await response.json()) as { id: string }).id;
      }),
    );
    // Under load at the old limit, then the file changes and one worker is told.
    await expect
      .poll(() => sim.stats().m?.accepted ?? 0, { timeout: 10_000 })
      .toBeGreaterThanOrEqual(OLD_RPM / 2);
    write(NEW_RPM);
    worker!.kill('SIGHUP');
    await expect
      .poll(async () => new Set(await versions()).size === 1 && !(await versions()).includes(before), {
        timeout: 10_000,
        interval: 20,
      })
      .toBe(true);
    const switchedAt = Date.now();
    const after = (await versions())[0]!;

    const statuses = await Promise.all(
      ids.map(async (id) => {
        for (;;) {
          const view = (await (await call('GET', `/v1/jobs/${id}?wait=10`)).json()) as { status: string };
          if (['completed', 'failed', 'cancelled'].includes(view.status)) return view.status;
        }
      }),
    );
    expect(statuses).toEqual(ids.map(() => 'completed'));
    const acceptedAt = sim.stats().m!.acceptedAt;
    // Calls chosen before every process had switched may still land just after: leave those out.
    const later = acceptedAt.filter((t) => t >= switchedAt + 200);
    expect(later.length).toBeGreaterThan(NEW_RPM * 2);
    expect(maxInWindow(later, WINDOW)).toBeLessThanOrEqual(NEW_RPM);
    // Before the change the old limit was in use (more than the new one in some window).
    expect(
      maxInWindow(
        acceptedAt.filter((t) => t < switchedAt),
        WINDOW,
      ),
    ).toBeGreaterThan(NEW_RPM);

    const ready = (await (await call('GET', '/readyz')).json()) as { providersVersion: string };
    expect(ready.providersVersion).toBe(after);
    const pool = (await (await call('GET', '/v1/pool')).json()) as { providersVersion: string };
    expect(pool.providersVersion).toBe(after);
  }, 90_000);
});
