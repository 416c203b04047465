/**
 * Mutation testing for the pool's Lua, which Stryker cannot mutate: applies each mutation listed in
 * scripts/lua-mutations.json to its file, one at a time, runs the listed pool tests against it,
 * restores the file, and prints which mutations the tests killed and which survived.
 *
 * A mutation whose `find` does not occur exactly once means the list no longer fits the Lua: the
 * script says which and changes nothing. Redis: REDIS_URL, or whatever `npm test` would find.
 *
 *   npx tsx scripts/mutate-lua.ts [--only <substring of why>] [--tests <file,file>]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface Mutation {
  file: string;
  find: string;
  replace: string;
  why: string;
}

interface MutationList {
  tests: string[];
  mutations: Mutation[];
}

export interface LuaScore {
  killed: number;
  total: number;
  survived: Mutation[];
}

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * The file being mutated, as it was, kept on disk while a mutant is tested: a run killed outright
 * (SIGKILL, or a signal that arrives while the tests run in spawnSync) cannot put it back itself,
 * so the next run does, before anything else.
 */
const BACKUP = join(root, '.mutate-lua-backup.json');

function restoreLeftover(log: (line: string) => void): void {
  if (!existsSync(BACKUP)) return;
  const { path, original } = JSON.parse(readFileSync(BACKUP, 'utf8')) as { path: string; original: string };
  writeFileSync(path, original);
  rmSync(BACKUP);
  log(`put back ${path}, left mutated by a run that was killed`);
}

function occurrences(text: string, find: string): number {
  let count = 0;
  for (let at = text.indexOf(find); at !== -1; at = text.indexOf(find, at + 1)) count++;
  return count;
}

/** Every `find` must pick one place in today's Lua; otherwise the list is stale. */
function staleEntries(list: MutationList): string[] {
  return list.mutations.flatMap((m) => {
    const count = occurrences(readFileSync(join(root, m.file), 'utf8'), m.find);
    return count === 1 ? [] : [`${m.file}: "${m.find.trim()}" occurs ${count} times (${m.why})`];
  });
}

/** The tests' verdict: the names of the tests that failed (none: the mutation survived). */
function runTests(tests: string[]): { passed: boolean; failed: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'spillway-mutate-lua-'));
  const report = join(dir, 'report.json');
  try {
    const run = spawnSync(
      process.execPath,
      [
        join(root, 'node_modules/vitest/vitest.mjs'),
        'run',
        '--config',
        'test/vitest.config.ts',
        '--reporter=json',
        `--outputFile=${report}`,
        ...tests,
      ],
      { cwd: root, env: process.env, encoding: 'utf8' },
    );
    let failed: string[] = [];
    try {
      const json = JSON.parse(readFileSync(report, 'utf8')) as {
        testResults: Array<{ assertionResults: Array<{ status: string; fullName: string }> }>;
      };
      failed = json.testResults.flatMap((f) =>
        f.assertionResults.filter((a) => a.status === 'failed').map((a) => a.fullName),
      );
    } catch {
      failed = [`the test run ended without a report (exit ${run.status}): ${run.stderr.slice(-400)}`];
    }
    return { passed: run.status === 0, failed };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function mutateLua(
  options: { only?: string; tests?: string[]; log?: (line: string) => void } = {},
): LuaScore {
  const log = options.log ?? ((line: string) => console.log(line));
  restoreLeftover(log);
  const list = JSON.parse(readFileSync(join(root, 'scripts/lua-mutations.json'), 'utf8')) as MutationList;
  const stale = staleEntries(list);
  if (stale.length > 0) {
    throw new Error(
      `scripts/lua-mutations.json is stale for today's Lua; fix these entries:\n- ${stale.join('\n- ')}`,
    );
  }
  const tests = options.tests ?? list.tests;
  const baseline = runTests(tests);
  if (!baseline.passed) {
    throw new Error(`the pool tests fail on the unmutated Lua:\n- ${baseline.failed.join('\n- ')}`);
  }
  const chosen = list.mutations.filter((m) => !options.only || m.why.includes(options.only));
  const survived: Mutation[] = [];
  for (const [index, mutation] of chosen.entries()) {
    const path = join(root, mutation.file);
    const original = readFileSync(path, 'utf8');
    // Put back on Ctrl-C too: a mutated file left behind would be a bug in the product.
    writeFileSync(BACKUP, JSON.stringify({ path, original }));
    const restore = () => {
      writeFileSync(path, original);
      rmSync(BACKUP, { force: true });
    };
    const onSignal = () => {
      restore();
      process.exit(130);
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      writeFileSync(path, original.replace(mutation.find, mutation.replace));
      const { passed, failed } = runTests(tests);
      const label = `[${index + 1}/${chosen.length}] ${mutation.file.split('/').pop()}: ${mutation.why}`;
      if (passed) {
        survived.push(mutation);
        log(`SURVIVED ${label}`);
      } else {
        log(
          `killed   ${label}\n           by: ${failed[0]}${failed.length > 1 ? ` (+${failed.length - 1})` : ''}`,
        );
      }
    } finally {
      restore();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  }
  return { killed: chosen.length - survived.length, total: chosen.length, survived };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const option = (name: string) => {
    const at = process.argv.indexOf(name);
    return at === -1 ? undefined : process.argv[at + 1];
  };
  try {
    const score = mutateLua({ only: option('--only'), tests: option('--tests')?.split(',') });
    console.log(`\nLua mutations: ${score.killed}/${score.total} killed`);
    process.exitCode = score.survived.length === 0 ? 0 : 1;
  } catch (err) {
    console.error((err as Error).message);
    process.exitCode = 2;
  }
}
