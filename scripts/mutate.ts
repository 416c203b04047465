/**
 * `npm run mutate`: does the suite catch the bugs it claims to? Stryker mutates the TypeScript
 * listed in stryker.config.mjs; scripts/mutate-lua.ts applies the Lua mutations listed in
 * scripts/lua-mutations.json. Prints both scores; exits non-zero when Stryker's is under its
 * break threshold or a Lua mutation survived. Not part of `npm test` or CI (it takes a while).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mutateLua } from './mutate-lua.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const REPORT = join(root, 'reports/mutation/mutation.json');
const THRESHOLD = 85;

interface StrykerReport {
  files: Record<string, { mutants: Array<{ status: string }> }>;
}

/** Stryker's own definition: detected (killed, timed out) over valid mutants (those plus survived, no coverage). */
export function strykerScore(report: StrykerReport): { score: number; detected: number; valid: number } {
  let detected = 0;
  let undetected = 0;
  for (const file of Object.values(report.files)) {
    for (const { status } of file.mutants) {
      if (status === 'Killed' || status === 'Timeout') detected++;
      else if (status === 'Survived' || status === 'NoCoverage') undetected++;
    }
  }
  const valid = detected + undetected;
  return { score: valid === 0 ? 0 : (100 * detected) / valid, detected, valid };
}

function main(): number {
  const stryker = spawnSync(
    process.execPath,
    [join(root, 'node_modules/@stryker-mutator/core/bin/stryker.js'), 'run'],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
  let strykerLine: string;
  let strykerOk = false;
  try {
    const { score, detected, valid } = strykerScore(
      JSON.parse(readFileSync(REPORT, 'utf8')) as StrykerReport,
    );
    strykerOk = stryker.status === 0 && score >= THRESHOLD;
    strykerLine = `Stryker (signals, pool/candidates.ts, config): ${score.toFixed(2)} % (${detected} of ${valid} mutants detected; break at ${THRESHOLD} %)`;
  } catch {
    strykerLine = `Stryker did not finish (exit ${stryker.status}); no report at ${REPORT}`;
  }

  let luaLine: string;
  let luaOk = false;
  try {
    const lua = mutateLua();
    luaOk = lua.survived.length === 0;
    luaLine = `Lua mutations (scripts/lua-mutations.json): ${lua.killed}/${lua.total} killed`;
    for (const m of lua.survived) luaLine += `\n  survived: ${m.file}: ${m.why}`;
  } catch (err) {
    luaLine = `Lua mutations not run: ${(err as Error).message}`;
  }

  console.log(`\n${strykerLine}\n${luaLine}`);
  return strykerOk && luaOk ? 0 : 1;
}

process.exitCode = main();
