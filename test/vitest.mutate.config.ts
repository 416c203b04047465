import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

/**
 * The tests Stryker runs against each mutant of the TypeScript it mutates (stryker.config.mjs):
 * the tests of signals, config and candidate order, all of them pure and fast. A mutant in code
 * that runs at import (a regex, a schema) is "static": Stryker cannot tell which test reaches it,
 * so it runs every file listed here, and this list's length is most of a run's time. The adapter
 * and pool tests that also reach this code (over HTTP, BullMQ and Redis) stay in `npm test`.
 * The suite's config with another list of files (mergeConfig would add the lists together).
 */
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: [
      'test/signals/**/*.test.ts',
      'test/config/**/*.test.ts',
      'test/pool/candidates.test.ts',
      'test/unit/secret.test.ts',
      'test/observability/admin-key-config.test.ts',
    ],
  },
});
