import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

/**
 * The tests Stryker runs against each mutant of the TypeScript it mutates (stryker.config.mjs):
 * those that exercise signals, config, the catalog and candidate order, and nothing slow. The
 * suite's config with another list of files (mergeConfig would add the lists together).
 */
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: [
      'test/signals/**/*.test.ts',
      'test/config/**/*.test.ts',
      'test/catalog/**/*.test.ts',
      'test/providers/**/*.test.ts',
      'test/pool/choice-rules.test.ts',
      'test/pool/pool.test.ts',
      'test/observability/admin-key-config.test.ts',
      'test/unit/**/*.test.ts',
    ],
  },
});
