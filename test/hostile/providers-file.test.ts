import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { trackChild } from '../support/tracked.js';

/**
 * A bad providers file stops `npm run api` and `npm run worker` at start, before they connect to
 * anything, with a non-zero exit and a message that names the field at fault.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'spillway-providers-'));

const BAD_FILES: Array<{ name: string; text: string; says: RegExp }> = [
  {
    name: 'not JSON',
    text: '{"providers":[{"id":"a","type":"groq"}]',
    says: /not valid JSON: unexpected end of input at line 1, column 40/,
  },
  {
    name: 'a negative rpm',
    text: JSON.stringify({ providers: [{ id: 'a', type: 'simulated', models: { m: { rpm: -1 } } }] }),
    says: /providers\[0\]\.models\.m\.rpm: expected a positive integer/,
  },
  {
    name: 'an unknown provider type',
    text: JSON.stringify({
      providers: [
        { id: 'a', type: 'simulated' },
        { id: 'b', type: 'skynet' },
      ],
    }),
    says: /providers\[1\]\.type/,
  },
  {
    name: 'an API key from an unset variable',
    text: JSON.stringify({ providers: [{ id: 'a', type: 'groq', apiKey: 'env:SPILLWAY_TEST_UNSET_KEY' }] }),
    says: /providers\[0\]\.apiKey: environment variable SPILLWAY_TEST_UNSET_KEY is not set/,
  },
  {
    name: 'no providers at all',
    text: JSON.stringify({ providers: [] }),
    says: /providers/,
  },
  {
    name: 'the wrong top-level shape',
    text: JSON.stringify([{ id: 'a', type: 'groq' }]),
    says: /providers|expected object/,
  },
];

function runMain(entry: string, providersFile: string): Promise<{ code: number | null; output: string }> {
  const child = trackChild(
    spawn(process.execPath, ['--import', 'tsx', '--conditions=source', entry], {
      cwd: root,
      env: {
        ...process.env,
        PROVIDERS_FILE: providersFile,
        // Nothing listens there: a process that got past the file would hang here and time out.
        REDIS_URL: 'redis://127.0.0.1:1',
        LOG_LEVEL: 'silent',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  let output = '';
  child.stdout!.on('data', (d) => {
    output += d;
  });
  child.stderr!.on('data', (d) => {
    output += d;
  });
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('a malformed providers file', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    'apps/api/src/main.ts',
    'apps/worker/src/main.ts',
  ])('stops %s at start with a non-zero exit naming the field', async (entry) => {
    const runs = await Promise.all(
      BAD_FILES.map(async ({ name, text }, i) => {
        const file = join(dir, `bad-${i}.json`);
        writeFileSync(file, text);
        return { name, ...(await runMain(entry, file)) };
      }),
    );
    for (const [i, run] of runs.entries()) {
      expect(run.code, `${run.name}: ${run.output}`).toBe(1);
      expect(run.output, run.name).toMatch(BAD_FILES[i]!.says);
      expect(run.output, run.name).toContain('Invalid providers file');
    }
    const missing = await runMain(entry, join(dir, 'does-not-exist.json'));
    expect(missing.code).toBe(1);
    expect(missing.output).toContain('does-not-exist.json');
  }, 40_000);
});
