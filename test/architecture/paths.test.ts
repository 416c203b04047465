import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * The paths a document names in backticks: anything with a slash, or a file name with an extension,
 * that is not a package (`@spillway/core`), a URL path (`/v1/plans`) or a pattern (`<id>`, `*`).
 * Always from the repository root: a bare `app.ts` would be a path that does not exist.
 */
function namedPaths(text: string): string[] {
  const spans = [...text.matchAll(/`([^`\n]+)`/g)].map(([, span]) => span!);
  return spans.filter(
    (span) =>
      /^[\w.-]+(\/[\w.-]+)*\/?$/.test(span) &&
      (span.includes('/') || /\.(ts|mts|mjs|js|lua|md|json)$/.test(span)),
  );
}

describe('ARCHITECTURE.md stays true', () => {
  const text = readFileSync(join(root, 'ARCHITECTURE.md'), 'utf8');
  const paths = namedPaths(text);

  it('names files and folders (the check below has something to check)', () => {
    expect(paths.length).toBeGreaterThan(40);
    expect(paths).toContain('apps/api/src/routes/plans.ts');
    expect(paths).toContain('packages/core/src/pool/lua/');
  });

  it('every path it names in backticks exists', () => {
    expect(paths.filter((path) => !existsSync(join(root, path)))).toEqual([]);
  });

  it('the check would see a path that is gone', () => {
    expect(
      namedPaths('see `apps/api/src/gone.ts` and `README.md`, not `POST /v1/plans` or `@spillway/core`'),
    ).toEqual(['apps/api/src/gone.ts', 'README.md']);
  });
});
