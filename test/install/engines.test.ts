import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const readJson = (path: string) => JSON.parse(readFileSync(`${root}/${path}`, 'utf8'));

interface LockEntry {
  version?: string;
  dev?: boolean;
  optional?: boolean;
  engines?: { node?: string } | string[];
}

/**
 * `npm ci` warns EBADENGINE for every installed package whose `engines.node` excludes the Node we
 * promise; the lockfile holds exactly what `npm ci` installs, so it is checked here instead.
 */
describe('install', () => {
  const promised = readJson('package.json').engines.node as string;
  const oldestPromised = semver.minVersion(promised)!.version;

  it('installs only packages that run on the oldest Node that engines promises', () => {
    const packages = readJson('package-lock.json').packages as Record<string, LockEntry>;
    const refusing: string[] = [];
    for (const [path, entry] of Object.entries(packages)) {
      const range = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
      if (!path || !range) continue;
      if (!semver.satisfies(oldestPromised, range, { includePrerelease: true })) {
        refusing.push(`${path}@${entry.version} needs node ${range}`);
      }
    }
    expect(refusing, `engines says node ${promised}`).toEqual([]);
  });
});
