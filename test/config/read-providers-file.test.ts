import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadProviders, readProvidersFile } from '@spillway/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'spillway-providers-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function rejection(promise: Promise<unknown>): Promise<ConfigError> {
  const error = await promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

describe('readProvidersFile', () => {
  it('returns the text of a JSON file, ready for loadProviders', async () => {
    const path = join(dir, 'providers.json');
    await writeFile(path, '\uFEFF{ "providers": [ { "id": "s", "type": "simulated" } ] }');
    const fileText = await readProvidersFile(path);
    const setup = loadProviders({ fileText, fileName: path, env: {}, simulatorUrl: 'http://127.0.0.1:1/v1' });
    expect(setup.instances.map((instance) => instance.id)).toEqual([
      's/sim-large',
      's/sim-medium',
      's/sim-small',
    ]);
  });

  it('names a missing file', async () => {
    const path = join(dir, 'nope.json');
    const error = await rejection(readProvidersFile(path));
    expect(error.message).toBe(`Cannot read providers file ${path}:\n- PROVIDERS_FILE: no such file`);
  });

  it('names a directory given as the file', async () => {
    const error = await rejection(readProvidersFile(dir));
    expect(error.message).toContain('PROVIDERS_FILE: is a directory');
  });

  it.skipIf(process.getuid?.() === 0)('names a file it may not read', async () => {
    const path = join(dir, 'locked.json');
    await writeFile(path, '{}');
    await chmod(path, 0o000);
    const error = await rejection(readProvidersFile(path));
    expect(error.message).toContain('PROVIDERS_FILE: permission denied');
  });

  it('gives the position of broken JSON and not its text', async () => {
    const path = join(dir, 'broken.json');
    await writeFile(
      path,
      '{\n  "providers": [\n    { "id": "g", "apiKey": "sk-secret-value-0123" oops }\n  ]\n}\n',
    );
    const error = await rejection(readProvidersFile(path));
    expect(error.message).toBe(
      `Invalid providers file ${path}:\n- not valid JSON: unexpected character at line 3, column 51 (position 69)`,
    );
    expect(error.message).not.toContain('sk-secret-value-0123');
  });
});
