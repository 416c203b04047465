import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { countJobs } from '../api/job-count.js';
import { type Stack, startStack } from '../support/stack.js';
import { runCli } from './run-cli.js';

/** No catalog limits for the pool, a high rpm for the simulator: 200 items run in about a second. */
const FAST = { fast: { dialect: 'groq', rpm: 10_000_000 } } as const;

describe('the spillway command line against a live API', () => {
  let stack: Stack;
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'spillway-cli-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  // A stack per test: the leak guard checks after each test that everything it opened is closed.
  beforeEach(async () => {
    stack = await startStack({ models: FAST, concurrency: 20 });
    env = { SPILLWAY_URL: stack.url, SPILLWAY_API_KEY: stack.apiKey };
  });
  afterEach(async () => {
    await stack.close();
  });

  it('plan --wait prints the schedule as a table', async () => {
    const run = await runCli(
      ['plan', 'Write the report, gym at noon, call the bank', '--date', '2026-11-23', '--wait'],
      env,
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Plan job_\w+: completed by sim-a\/fast\n/);
    expect(run.stdout).toMatch(/\nSTART {2}END {4}PRIORITY {2}TASK\n/);
    expect(run.stdout).toMatch(/\n\d\d:\d\d {2}\d\d:\d\d {2}(high|medium|low) +\S/);
  });

  it('plan --wait --json prints the job view as JSON, and --coaching adds the coaching view', async () => {
    const run = await runCli(['plan', 'Deep work, lunch, email', '--wait', '--json', '--coaching'], env);
    expect(run.code).toBe(0);
    const { plan, coaching } = JSON.parse(run.stdout) as {
      plan: { status: string; result: { items: unknown[] } };
      coaching: { kind: string; status: string; result: { strengths: string[] } };
    };
    expect(plan.status).toBe('completed');
    expect(plan.result.items.length).toBeGreaterThan(0);
    expect(coaching).toMatchObject({ kind: 'coaching', status: 'completed' });
    expect(Array.isArray(coaching.result.strengths)).toBe(true);
  });

  it('batch submit streams a 200-line file, shows progress, and writes 200 results matched by customId', async () => {
    const file = join(dir, 'days.jsonl');
    const out = join(dir, 'results.jsonl');
    const lines = Array.from({ length: 200 }, (_, i) =>
      JSON.stringify({ customId: `day-${i}`, description: `Day ${i}: report, gym, groceries` }),
    );
    await writeFile(file, `${lines.join('\n')}\n`);
    const run = await runCli(['batch', 'submit', file, '--wait', '--out', out], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^Batch batch_\w+: completed, 200 items: 200 completed, 0 failed, 0 cancelled/,
    );
    // Not a terminal: plain progress lines, the last one complete.
    expect(run.stderr).toMatch(/batch_\w+ completed: 200\/200 +100% +[\d.]+\/s +ETA 0s +waiting 0\n/);
    expect(run.stderr).not.toContain('\x1b[');

    const results = (await readFile(out, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { customId: string; status: string; result?: { items: unknown[] } });
    expect(results).toHaveLength(200);
    expect(results.map((r) => r.customId)).toEqual(lines.map((_, i) => `day-${i}`));
    expect(results.every((r) => r.status === 'completed' && Array.isArray(r.result?.items))).toBe(true);
  });

  it('--priority goes with a plan and with every item of a batch; a level off the ladder is a usage error', async () => {
    const plan = await runCli(['plan', 'Ship the fix first', '--priority', 'high', '--json'], env);
    expect(plan.stderr).toBe('');
    expect(JSON.parse(plan.stdout)).toMatchObject({ kind: 'plan', priority: 'high' });

    const file = join(dir, 'low.jsonl');
    await writeFile(file, `${JSON.stringify({ customId: 'attic', description: 'Sort the attic' })}\n`);
    const batch = await runCli(
      ['batch', 'submit', file, '--priority', 'low', '--out', join(dir, 'low.out')],
      env,
    );
    expect(batch.code).toBe(0);
    const [line] = (await readFile(join(dir, 'low.out'), 'utf8')).trim().split('\n');
    const { jobId } = JSON.parse(line!) as { jobId: string };
    const item = (await (await stack.request('GET', `/v1/jobs/${jobId}`)).json()) as { priority?: string };
    expect(item.priority).toBe('low');

    const bad = await runCli(['plan', 'x', '--priority', 'urgent'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--priority must be one of high, normal, low, not "urgent"');
  });

  it('names the bad line of a file and exits 2, submitting nothing', async () => {
    const file = join(dir, 'bad.jsonl');
    await writeFile(
      file,
      [
        JSON.stringify({ customId: 'a', description: 'fine' }),
        JSON.stringify({ customId: 'b', description: 'fine too' }),
        JSON.stringify({ customId: 'c', description: '' }),
      ].join('\n'),
    );
    const run = await runCli(['batch', 'submit', file, '--wait'], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^spillway: line 3: description: /);
    expect(run.stderr).toMatch(/\n {2}line 3: description: /);
    expect(run.stdout).toBe('');
    expect(await countJobs(stack)).toBe(0);

    const missing = await runCli(['batch', 'submit', join(dir, 'nope.jsonl')], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('Cannot read');
  });

  it('exits 4 with the reason on a bad API key, and 3 when the API cannot be reached', async () => {
    const bad = await runCli(['pool'], { ...env, SPILLWAY_API_KEY: 'sk-wrong-key-000000' });
    expect(bad.code).toBe(4);
    expect(bad.stderr).toBe('spillway: The API key is not valid. (set SPILLWAY_API_KEY or pass --api-key)\n');
    const unreachable = await runCli(['pool', '--url', 'http://127.0.0.1:9'], env);
    expect(unreachable.code).toBe(3);
    expect(unreachable.stderr).toMatch(
      /^spillway: Cannot reach the Spillway API at http:\/\/127\.0\.0\.1:9: /,
    );
    const usage = await runCli(['plan', 'x', '--date', 'tomorrow'], env);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('--date must be YYYY-MM-DD');
  });

  it('batch status and batch cancel report the counts; a cancelled batch exits 1 on status', async () => {
    const slow = await startStack({ models: FAST, latencyMs: 500, concurrency: 2 });
    try {
      const slowEnv = { SPILLWAY_URL: slow.url, SPILLWAY_API_KEY: slow.apiKey };
      const file = join(dir, 'slow.jsonl');
      await writeFile(
        file,
        Array.from({ length: 30 }, (_, i) =>
          JSON.stringify({ customId: `s-${i}`, description: 'A day' }),
        ).join('\n'),
      );
      const submitted = await runCli(['batch', 'submit', file, '--json'], slowEnv);
      expect(submitted.code).toBe(0);
      const { id } = JSON.parse(submitted.stdout) as { id: string };

      const status = await runCli(['batch', 'status', id], slowEnv);
      expect(status.code).toBe(0);
      expect(status.stdout).toMatch(new RegExp(`^Batch ${id}: (queued|running), 30 items: `));

      const cancel = await runCli(['batch', 'cancel', id], slowEnv);
      expect(cancel.code).toBe(0);
      const match = new RegExp(
        `^Batch ${id}: (cancelling|cancelled), 30 items: (\\d+) completed, 0 failed, (\\d+) cancelled, (\\d+) queued`,
      ).exec(cancel.stdout);
      expect(match, cancel.stdout).not.toBeNull();
      const [completed, cancelled, unfinished] = match!.slice(2).map(Number) as [number, number, number];
      // Only the two jobs the worker runs at a time (concurrency 2) can still be unfinished.
      expect(unfinished).toBeLessThanOrEqual(2);
      expect(completed + cancelled + unfinished).toBe(30);
      expect(cancelled).toBeGreaterThanOrEqual(20);

      const after = await runCli(['batch', 'status', id, '--wait', '--json'], slowEnv);
      expect(after.code).toBe(1);
      const view = JSON.parse(after.stdout) as { status: string; counts: Record<string, number> };
      expect(view.status).toBe('cancelled');
      expect(view.counts.completed! + view.counts.cancelled!).toBe(30);
    } finally {
      await slow.close();
    }
  });

  it('pool prints every instance with its state and usage against limits', async () => {
    const accepted = await stack.request('POST', '/v1/plans', {
      description: 'One plan, to have some usage',
    });
    await stack.waitForJob(((await accepted.json()) as { id: string }).id);
    const run = await runCli(['pool'], env);
    expect(run.code).toBe(0);
    const [header, ...rows] = run.stdout.trim().split('\n');
    expect(header).toMatch(
      /^INSTANCE +STATE +LIMITED UNTIL +IN FLIGHT +WINDOW +REQUESTS +TOKENS +FREES AT +RUNS OUT +REASON$/,
    );
    // One row per window: one request this minute and today, against the limit in force and its
    // source (the FAST model has no catalog limits: unknown, or stated by the simulator's headers).
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(/^sim-a\/fast +available +minute +1\/(\d+ header|–) +\d+\/(\d+ header|–) +\S+Z$/);
    expect(rows[1]).toMatch(
      /^sim-a\/fast +available +day +1\/(\d+ header|–) +\d+\/(\d+ header|–) +\S+Z( +\S+Z)?$/,
    );
  });
});
