// Mutation testing of the TypeScript whose mistakes the suite most needs to catch: rate-limit
// signal parsing, candidate order and configuration. `npm run mutate` runs this and the Lua
// mutations (scripts/mutate-lua.ts); MUTATION.md keeps the figures. Not part of `npm test` or CI.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'test/vitest.mutate.config.ts', related: false },
  mutate: [
    'packages/core/src/signals/**/*.ts',
    'packages/core/src/pool/candidates.ts',
    'packages/core/src/config/**/*.ts',
    '!**/index.ts',
  ],
  // npm workspaces link packages/* into node_modules: a sandbox copy would test the originals,
  // so mutants are written in place (and Stryker puts every file back when it ends).
  inPlace: true,
  coverageAnalysis: 'perTest',
  // Vitest strips types without checking them: nothing to disable. Left on, every test file would
  // get a "// @ts-nocheck" written into it for the length of the run.
  disableTypeChecks: false,
  concurrency: 2,
  // A timeout counts as a kill, so it must mean a loop, not a slow run. A static mutant restarts
  // the runner and runs every listed file: on a busy machine that alone outran 5 s of slack (eight
  // survivors were scored as timeouts). The dozen mutants that really loop cost 15 s each.
  timeoutMS: 15_000,
  reporters: ['clear-text', 'progress', 'json', 'html'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  thresholds: { high: 90, low: 85, break: 85 },
  // A rerun tests only the mutants whose code or covering tests changed since the last report.
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
