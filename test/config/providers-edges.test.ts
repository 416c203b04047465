import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadProviders, readProvidersFile } from '@spillway/core';
import { describe, expect, it } from 'vitest';

/**
 * The edges of the providers file's rules (config/providers.ts, providers-file.ts): the messages'
 * exact words, and what is just accepted or just refused. providers.test.ts covers the common cases.
 */
const SIMULATOR_URL = 'http://127.0.0.1:9999/v1';

function load(file: unknown, env: Record<string, string | undefined> = {}, fileName?: string) {
  const fileText = typeof file === 'string' ? file : JSON.stringify(file);
  return loadProviders({ fileText, env, simulatorUrl: SIMULATOR_URL, ...(fileName ? { fileName } : {}) });
}

function errorOf(
  file: unknown,
  env: Record<string, string | undefined> = {},
  fileName?: string,
): ConfigError {
  try {
    load(file, env, fileName);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected loadProviders to throw a ConfigError');
}

const groq = (apiKey: string) => ({ providers: [{ id: 'g', type: 'groq', apiKey, models: ['m'] }] });

describe('ConfigError', () => {
  it('is named, and lists each problem on a line of its own', () => {
    const error = errorOf({ providers: [{ id: 'Bad Id', type: 'grok' }] });
    expect(error.name).toBe('ConfigError');
    expect(error.message).toBe(
      'Invalid providers file:\n' +
        '- providers[0].id: expected a lower-case id: a letter or digit, then up to 63 of a-z 0-9 _ -\n' +
        `- ${error.issues[1]}`,
    );
    expect(error.issues).toHaveLength(2);
    expect(error.issues[1]).toMatch(/^providers\[0\]\.type: expected one of /);
  });

  it('names the file when it is given one', () => {
    expect(errorOf({ providers: [] }, {}, 'my.json').message).toBe(
      'Invalid providers file my.json:\n- providers: expected at least one provider',
    );
  });

  it('names the root when the file is not an object at all', () => {
    expect(errorOf('[]').issues).toEqual(['(root): Invalid input: expected object, received array']);
  });
});

describe('fields', () => {
  const one = (provider: Record<string, unknown>) => ({
    providers: [{ id: 'g', type: 'groq', apiKey: 'k', ...provider }],
  });

  it.each([
    ['an empty object of models', one({ models: {} }), 'providers[0].models: expected at least one model'],
    [
      'a model name with a space',
      one({ models: ['llama 3'] }),
      'providers[0].models[0]: expected a model name (1 to 200 characters, no spaces)',
    ],
    [
      'a model name of 201 characters',
      one({ models: ['m'.repeat(201)] }),
      'providers[0].models[0]: expected a model name (1 to 200 characters, no spaces)',
    ],
    ['an id that is not a string', one({ id: 5 }), 'providers[0].id: expected a provider id'],
    [
      'an id with a space',
      one({ id: 'groq main' }),
      'providers[0].id: expected a lower-case id: a letter or digit, then up to 63 of a-z 0-9 _ -',
    ],
    [
      'an id of 65 characters',
      one({ id: 'g'.repeat(65) }),
      'providers[0].id: expected a lower-case id: a letter or digit, then up to 63 of a-z 0-9 _ -',
    ],
    [
      'a key that is not a string',
      one({ apiKey: 5 }),
      'providers[0].apiKey: expected a string: the key, or env:NAME',
    ],
    ['an empty key', one({ apiKey: '' }), 'providers[0].apiKey: expected the key, or env:NAME'],
    [
      'a baseUrl of another scheme',
      one({ baseUrl: 'xhttp://h/v1' }),
      'providers[0].baseUrl: expected an http:// or https:// URL',
    ],
    [
      'a baseUrl of a longer scheme',
      one({ baseUrl: 'httpsx://h/v1' }),
      'providers[0].baseUrl: expected an http:// or https:// URL',
    ],
    ['free that is not a boolean', one({ free: 'yes' }), 'providers[0].free: expected true or false'],
  ])('refuses %s with its own words', (_what, file, issue) => {
    expect(errorOf(file).issues).toEqual([issue]);
  });

  it('refuses an unknown coaching policy with its own words', () => {
    const file = { ...one({}), defaults: { coaching: { policy: 'better' } } };
    expect(errorOf(file).issues).toEqual(['defaults.coaching.policy: expected "same" or "upgrade"']);
  });

  it('gives the same coaching policy when the defaults, or their coaching, are left out', () => {
    expect(load(one({})).defaults).toEqual({ coaching: { policy: 'same' } });
    expect(load({ ...one({}), defaults: {} }).defaults).toEqual({ coaching: { policy: 'same' } });
  });

  it('takes a key that merely contains env: as the key itself', () => {
    expect(load(one({ apiKey: 'sk-env:GROQ' })).instances[0]?.apiKey.reveal()).toBe('sk-env:GROQ');
  });
});

describe('keys', () => {
  it('warns about keys shorter than 8 characters, in the right number, and not about 8', () => {
    expect(load(groq('xy')).warnings).toEqual([
      'providers[0].apiKey: 2 characters, too short to be a real key (fine for a local server); provider messages are redacted only where it stands as a whole word',
    ]);
    expect(load(groq('x')).warnings[0]).toMatch(/^providers\[0\]\.apiKey: 1 character, too short/);
    expect(load(groq('12345678')).warnings).toEqual([]);
  });

  it('reads an env: key trimmed, and a blank one as not set', () => {
    const setup = load(groq('env:GROQ_KEY'), { GROQ_KEY: '  gsk_0123456789abcdef \n' });
    expect(setup.instances[0]?.apiKey.reveal()).toBe('gsk_0123456789abcdef');
    expect(errorOf(groq('env:GROQ_KEY'), { GROQ_KEY: '   ' }).issues).toEqual([
      'providers[0].apiKey: environment variable GROQ_KEY is not set (provider "g")',
    ]);
  });

  it('refuses an env: reference that is not a variable name, rather than using it as the key', () => {
    expect(errorOf(groq('env:GROQ-KEY')).issues).toEqual([
      'providers[0].apiKey: env: must be followed by a variable name (letters, digits, _)',
    ]);
  });
});

describe('the coaching model', () => {
  it('is checked against the providers only once they are all valid', () => {
    const file = {
      providers: [{ id: 'g', type: 'groq', apiKey: 'env:MISSING', models: ['m'] }],
      defaults: { coaching: { policy: 'upgrade', model: 'm' } },
    };
    expect(errorOf(file).issues).toEqual([
      'providers[0].apiKey: environment variable MISSING is not set (provider "g")',
    ]);
  });
});

describe('readProvidersFile', () => {
  it('names a path it cannot read for another reason by its error code', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'spillway-providers-edges-'));
    try {
      const file = join(dir, 'file.json');
      await writeFile(file, '{}');
      const below = join(file, 'providers.json');
      const error = await readProvidersFile(below).then(
        () => undefined,
        (reason: unknown) => reason,
      );
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).issues).toEqual(['PROVIDERS_FILE: cannot be read (ENOTDIR)']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
