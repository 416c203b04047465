import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The layers of ARCHITECTURE.md, kept by reading every import of the sources (type-only ones too:
// a type import is still a line on the map a reader has to follow).
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

interface Import {
  /** The importing file, relative to the repository root. */
  file: string;
  specifier: string;
  /** For a relative specifier, the imported file relative to the root (`.js` written, `.ts` on disk). */
  target: string | null;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && entry.name !== 'dist') out.push(...sourceFiles(path));
    } else if (/\.(ts|mts|js|mjs)$/.test(entry.name)) {
      out.push(path);
    }
  }
  return out;
}

// `import … from 'x'`, `export … from 'x'`, `import 'x'` and `import('x')`, across line breaks.
const IMPORT = /(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"]+)['"]/g;

function importsOf(dir: string): Import[] {
  return sourceFiles(dir).flatMap((file) => {
    const text = readFileSync(join(root, file), 'utf8');
    return [...text.matchAll(IMPORT)].map(([, specifier]) => {
      const spec = specifier as string;
      const target = spec.startsWith('.')
        ? relative(root, resolve(root, dirname(file), spec)).replace(/\.js$/, '.ts')
        : null;
      return { file, specifier: spec, target };
    });
  });
}

const lines = (imports: Import[]) => imports.map((i) => `${i.file} imports ${i.specifier}`);

describe('what may import what', () => {
  it('the scanner sees the imports it is meant to police', () => {
    // A scanner that found nothing would pass every rule below.
    const api = importsOf('apps/api/src');
    expect(api.some((i) => i.file === 'apps/api/src/main.ts' && i.target === 'apps/api/src/app.ts')).toBe(
      true,
    );
    expect(api.some((i) => i.specifier === '@spillway/core')).toBe(true);
    expect(importsOf('test').some((i) => i.specifier === '@spillway/simulator')).toBe(true);
  });

  it('only main.ts and the package entry import apps/api/src/app.ts; everything else takes an ApiContext', () => {
    const allowed = new Set(['apps/api/src/main.ts', 'apps/api/src/index.ts']);
    const offenders = importsOf('apps/api/src').filter(
      (i) => i.target === 'apps/api/src/app.ts' && !allowed.has(i.file),
    );
    expect(lines(offenders)).toEqual([]);
  });

  it('packages/core and the apps never import the simulator (only scripts/start.ts, test/ and bench/ do)', () => {
    const offenders = ['packages/core/src', 'apps']
      .flatMap(importsOf)
      .filter(
        (i) =>
          i.specifier.startsWith('@spillway/simulator') ||
          (i.target?.startsWith('packages/simulator/') ?? false),
      );
    expect(lines(offenders)).toEqual([]);
  });

  it('packages/core imports no app, and no app imports another app', () => {
    const apps = ['api', 'worker', 'cli'];
    const appOf = (path: string | null) => /^apps\/([^/]+)\//.exec(path ?? '')?.[1] ?? null;
    const offenders = ['packages/core/src', 'apps'].flatMap(importsOf).filter((i) => {
      const from = appOf(i.file);
      const pkg = /^@spillway\/([^/]+)/.exec(i.specifier)?.[1];
      const to = pkg && apps.includes(pkg) ? pkg : appOf(i.target);
      return to !== null && to !== from;
    });
    expect(lines(offenders)).toEqual([]);
  });

  it('the CLI takes only types from packages/core: it runs without the server code installed', () => {
    const offenders = importsOf('apps/cli/src').filter((i) => {
      if (i.specifier !== '@spillway/core') return false;
      const text = readFileSync(join(root, i.file), 'utf8');
      return /import\s+(?!type\b)[^;]*from\s*['"]@spillway\/core['"]/.test(text);
    });
    expect(lines(offenders)).toEqual([]);
  });
});
