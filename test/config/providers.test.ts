import { readFileSync } from 'node:fs';
import { ConfigError, type Instance, loadProviders, simulatedCatalog } from '@spillway/core';
import { describe, expect, it } from 'vitest';

const SIMULATOR_URL = 'http://127.0.0.1:9999/v1';

/** The example from DESIGN.md, verbatim. */
const DESIGN_EXAMPLE = `{
  "providers": [
    { "id": "groq-main", "type": "groq", "apiKey": "env:GROQ_API_KEY" },
    { "id": "groq-2",    "type": "groq", "apiKey": "env:GROQ_API_KEY_2", "models": ["llama-3.1-8b-instant"] },
    { "id": "local",     "type": "openai-compatible", "baseUrl": "http://127.0.0.1:9100/v1", "apiKey": "x",
      "models": { "m-a": { "rpm": 30, "tpm": 6000 }, "m-b": {} }, "free": true }
  ],
  "defaults": { "coaching": { "policy": "same" } }
}`;

const DESIGN_ENV = { GROQ_API_KEY: 'gsk_main_0123456789', GROQ_API_KEY_2: 'gsk_second_0123456789' };

function load(file: unknown, env: Record<string, string | undefined> = {}) {
  const fileText = typeof file === 'string' ? file : JSON.stringify(file);
  return loadProviders({ fileText, fileName: 'providers.json', env, simulatorUrl: SIMULATOR_URL });
}

function errorOf(file: unknown, env: Record<string, string | undefined> = {}): ConfigError {
  try {
    load(file, env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected loadProviders to throw a ConfigError');
}

function byId(instances: readonly Instance[], id: string): Instance {
  const instance = instances.find((candidate) => candidate.id === id);
  if (!instance) throw new Error(`no instance ${id} in ${instances.map((i) => i.id).join(', ')}`);
  return instance;
}

describe('loadProviders with the DESIGN.md example', () => {
  // Loaded inside each test, not once here: Stryker then sees which test reaches which line.
  const example = () => load(DESIGN_EXAMPLE, DESIGN_ENV);

  it('expands every credential into <providerId>/<model> instances, sorted by id', () => {
    const setup = example();
    const ids = setup.instances.map((instance) => instance.id);
    expect(ids).toEqual([...ids].sort());
    expect(ids.filter((id) => id.startsWith('groq-2/'))).toEqual(['groq-2/llama-3.1-8b-instant']);
    expect(ids.filter((id) => id.startsWith('local/'))).toEqual(['local/m-a', 'local/m-b']);
    expect(ids).toContain('groq-main/llama-3.1-8b-instant');
    expect(ids).toContain('groq-main/llama-3.3-70b-versatile');
  });

  it('gives omitted models every Groq catalog model with the catalog limits', () => {
    const setup = example();
    const instance = byId(setup.instances, 'groq-main/llama-3.3-70b-versatile');
    expect(instance).toMatchObject({
      providerId: 'groq-main',
      type: 'groq',
      model: 'llama-3.3-70b-versatile',
      baseUrl: 'https://api.groq.com/openai/v1',
      limits: { rpm: 30, tpm: 12_000, rpd: 1_000, tpd: 100_000 },
      free: true,
    });
    expect(instance.apiKey.reveal()).toBe(DESIGN_ENV.GROQ_API_KEY);
  });

  it('gives a listed model the catalog limits and the key from its own variable', () => {
    const setup = example();
    const instance = byId(setup.instances, 'groq-2/llama-3.1-8b-instant');
    expect(instance.limits).toEqual({ rpm: 30, tpm: 6_000, rpd: 14_400, tpd: 500_000 });
    expect(instance.apiKey.reveal()).toBe(DESIGN_ENV.GROQ_API_KEY_2);
  });

  it('gives object models exactly the limits written, leaving the rest unknown', () => {
    const setup = example();
    const modelA = byId(setup.instances, 'local/m-a');
    const modelB = byId(setup.instances, 'local/m-b');
    expect(modelA.limits).toEqual({ rpm: 30, tpm: 6000 });
    expect(modelB.limits).toEqual({});
    expect(modelA).toMatchObject({
      baseUrl: 'http://127.0.0.1:9100/v1',
      free: true,
      type: 'openai-compatible',
    });
    expect(modelA.apiKey.reveal()).toBe('x');
  });

  it('keeps the coaching default and freezes the setup', () => {
    const setup = example();
    expect(setup.defaults).toEqual({ coaching: { policy: 'same' } });
    expect(Object.isFrozen(setup)).toBe(true);
    expect(Object.isFrozen(setup.instances)).toBe(true);
    expect(Object.isFrozen(setup.instances[0]?.limits)).toBe(true);
  });

  it('never serializes a key', () => {
    const setup = example();
    const json = JSON.stringify(setup);
    expect(json).not.toContain(DESIGN_ENV.GROQ_API_KEY);
    expect(json).not.toContain(DESIGN_ENV.GROQ_API_KEY_2);
  });
});

describe('loadProviders: keys too short to be real', () => {
  it('warns, naming the field, for a placeholder key such as "x", and not for real-length keys', () => {
    const setup = load(DESIGN_EXAMPLE, DESIGN_ENV);
    expect(setup.warnings).toEqual([
      'providers[2].apiKey: 1 character, too short to be a real key (fine for a local server); provider messages are redacted only where it stands as a whole word',
    ]);
    expect(load({ providers: [{ id: 'sim-a', type: 'simulated' }] }).warnings).toEqual([]);
  });
});

describe('loadProviders', () => {
  it('serves two simulated credentials over every simulated model when there is no file', () => {
    const setup = loadProviders({ fileText: null, env: {}, simulatorUrl: SIMULATOR_URL });
    const models = Object.keys(simulatedCatalog.models).sort();
    expect(setup.instances.map((instance) => instance.id)).toEqual([
      ...models.map((model) => `sim-a/${model}`),
      ...models.map((model) => `sim-b/${model}`),
    ]);
    for (const instance of setup.instances) {
      expect(instance.type).toBe('simulated');
      expect(instance.baseUrl).toBe(SIMULATOR_URL);
      expect(instance.free).toBe(true);
      const { contextWindow, ...limits } = simulatedCatalog.models[instance.model]!;
      expect(instance.limits).toEqual(limits);
      expect(instance.contextWindow).toBe(contextWindow);
    }
    expect(setup.defaults.coaching).toEqual({ policy: 'same' });
  });

  it('lets a listed model the catalog does not know through, with unknown limits', () => {
    const setup = load({ providers: [{ id: 'g', type: 'groq', apiKey: 'k', models: ['brand-new-model'] }] });
    expect(setup.instances).toHaveLength(1);
    expect(setup.instances[0]).toMatchObject({ id: 'g/brand-new-model', limits: {}, free: true });
    expect(setup.instances[0]?.contextWindow).toBeUndefined();
  });

  it('lets an object override catalog limits entirely, context window included', () => {
    const setup = load({
      providers: [
        {
          id: 'g',
          type: 'groq',
          apiKey: 'k',
          models: { 'llama-3.1-8b-instant': { rpm: 1000, contextWindow: 4096 } },
        },
      ],
    });
    expect(setup.instances[0]).toMatchObject({ limits: { rpm: 1000 }, contextWindow: 4096 });
  });

  it("caps calls in flight per instance: an entry's maxConcurrent for each of its models, a model's own winning", () => {
    const setup = load({
      providers: [
        {
          id: 'local',
          type: 'openai-compatible',
          baseUrl: 'http://127.0.0.1:8080/v1',
          apiKey: 'x',
          maxConcurrent: 4,
          models: { big: { rpm: 30, maxConcurrent: 1 }, small: {} },
        },
        { id: 'c', type: 'cerebras', apiKey: 'csk-0123456789', models: ['llama3.1-8b'] },
        {
          id: 'g',
          type: 'groq',
          apiKey: 'gsk_0123456789',
          models: { 'llama-3.1-8b-instant': { maxConcurrent: 2 } },
        },
      ],
    });
    const cap = (id: string) => byId(setup.instances, id).maxConcurrent;
    expect(cap('local/big')).toBe(1);
    expect(cap('local/small')).toBe(4);
    expect(cap('c/llama3.1-8b')).toBeUndefined();
    expect(cap('g/llama-3.1-8b-instant')).toBe(2);
    // A cap is not a window limit: the model's limits stay what they were.
    expect(byId(setup.instances, 'local/big').limits).toEqual({ rpm: 30 });
    expect(byId(setup.instances, 'g/llama-3.1-8b-instant').limits).toEqual({});
  });

  it("loads the README's concurrency-cap example as it says", () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('**Concurrency caps.**'));
    const example = /```json\n([\s\S]*?)```/.exec(section)![1]!;
    const setup = load(example, { CEREBRAS_API_KEY: 'csk-0123456789abcdef' });
    const cerebras = setup.instances.filter((i) => i.providerId === 'cerebras');
    expect(cerebras.length).toBeGreaterThan(0);
    expect(cerebras.every((i) => i.maxConcurrent === 8)).toBe(true);
    expect(byId(setup.instances, 'local/qwen-32b').maxConcurrent).toBe(2);
    expect(byId(setup.instances, 'local/qwen-7b')).toMatchObject({ maxConcurrent: 6, limits: { rpm: 600 } });
  });

  it('uses a literal key as given, and a baseUrl override', () => {
    const setup = load({
      providers: [
        {
          id: 'o',
          type: 'openai',
          apiKey: 'sk-literal',
          baseUrl: 'http://127.0.0.1:1/v1',
          models: ['gpt-4o-mini'],
        },
      ],
    });
    expect(setup.instances[0]?.apiKey.reveal()).toBe('sk-literal');
    expect(setup.instances[0]).toMatchObject({ baseUrl: 'http://127.0.0.1:1/v1', free: false });
  });

  it('lets a file mark a paid provider free and counts only :free OpenRouter models as free', () => {
    const setup = load({
      providers: [
        { id: 'o', type: 'openai', apiKey: 'k', models: ['gpt-4o-mini'], free: true },
        { id: 'r', type: 'openrouter', apiKey: 'k', models: ['openai/gpt-4o', 'qwen/qwen3-235b-a22b:free'] },
      ],
    });
    expect(byId(setup.instances, 'o/gpt-4o-mini').free).toBe(true);
    expect(byId(setup.instances, 'r/openai/gpt-4o').free).toBe(false);
    expect(byId(setup.instances, 'r/qwen/qwen3-235b-a22b:free').free).toBe(true);
  });

  it('gives a simulated provider without a baseUrl the configured simulator URL', () => {
    const setup = load({ providers: [{ id: 's', type: 'simulated', models: ['sim-small'] }] });
    expect(setup.instances[0]).toMatchObject({ id: 's/sim-small', baseUrl: SIMULATOR_URL });
  });

  it('accepts an upgrade coaching policy when some provider serves its model', () => {
    const setup = load({
      providers: [{ id: 'g', type: 'groq', apiKey: 'k' }],
      defaults: { coaching: { policy: 'upgrade', model: 'llama-3.3-70b-versatile' } },
    });
    expect(setup.defaults.coaching).toEqual({ policy: 'upgrade', model: 'llama-3.3-70b-versatile' });
  });

  it('names the provider and the variable when an env: key is not set', () => {
    const error = errorOf(DESIGN_EXAMPLE, { GROQ_API_KEY: 'gsk_main_0123456789' });
    expect(error.message).toBe(
      'Invalid providers file providers.json:\n' +
        '- providers[1].apiKey: environment variable GROQ_API_KEY_2 is not set (provider "groq-2")',
    );
  });

  it.each([
    [
      'an unknown provider field',
      { providers: [{ id: 'g', type: 'groq', apiKey: 'k', modles: ['x'] }] },
      'providers[0].modles: unknown field',
    ],
    [
      'an unknown top-level field',
      { providers: [{ id: 'g', type: 'groq', apiKey: 'k' }], extra: 1 },
      'extra: unknown field',
    ],
    [
      'an unknown limit',
      {
        providers: [
          {
            id: 'l',
            type: 'openai-compatible',
            baseUrl: 'http://h/v1',
            apiKey: 'k',
            models: { 'm-a': { rps: 1 } },
          },
        ],
      },
      'providers[0].models.m-a.rps: unknown field',
    ],
    [
      'a limit that is not a positive integer',
      {
        providers: [
          { id: 'g', type: 'groq', apiKey: 'k' },
          {
            id: 'l',
            type: 'openai-compatible',
            baseUrl: 'http://h/v1',
            apiKey: 'k',
            models: { 'm-a': { rpm: 0 } },
          },
        ],
      },
      'providers[1].models.m-a.rpm: expected a positive integer',
    ],
    [
      'a fractional limit on a dotted model name',
      { providers: [{ id: 'o', type: 'openai', apiKey: 'k', models: { 'gpt-4.1': { tpm: 1.5 } } }] },
      'providers[0].models["gpt-4.1"].tpm: expected a positive integer',
    ],
    [
      'a maxConcurrent of zero on a provider entry',
      { providers: [{ id: 'g', type: 'groq', apiKey: 'k', maxConcurrent: 0 }] },
      'providers[0].maxConcurrent: expected a positive integer',
    ],
    [
      "a fractional maxConcurrent in a model's limits",
      {
        providers: [
          {
            id: 'l',
            type: 'openai-compatible',
            baseUrl: 'http://h/v1',
            apiKey: 'k',
            models: { 'm-a': { rpm: 5, maxConcurrent: 2.5 } },
          },
        ],
      },
      'providers[0].models.m-a.maxConcurrent: expected a positive integer',
    ],
    [
      'a maxConcurrent that is not a number',
      { providers: [{ id: 'g', type: 'groq', apiKey: 'k', maxConcurrent: '4' }] },
      'providers[0].maxConcurrent: expected a positive integer',
    ],
    [
      'a model list with a non-string',
      { providers: [{ id: 'g', type: 'groq', apiKey: 'k', models: ['a', 3] }] },
      'providers[0].models[1]: expected a model name',
    ],
    [
      'models of the wrong shape',
      { providers: [{ id: 'g', type: 'groq', apiKey: 'k', models: 'llama' }] },
      'providers[0].models: expected a list of model names or an object of model name → limits',
    ],
    [
      'an empty model list',
      { providers: [{ id: 'g', type: 'groq', apiKey: 'k', models: [] }] },
      'providers[0].models: expected at least one model',
    ],
    [
      'a model listed twice',
      { providers: [{ id: 'g', type: 'groq', apiKey: 'k', models: ['a', 'a'] }] },
      'providers[0].models[1]: duplicate model "a"',
    ],
    [
      'an unknown type',
      { providers: [{ id: 'g', type: 'grok', apiKey: 'k' }] },
      'providers[0].type: expected one of groq,',
    ],
    [
      'a bad id',
      { providers: [{ id: 'Groq Main', type: 'groq', apiKey: 'k' }] },
      'providers[0].id: expected a lower-case id',
    ],
    [
      'duplicate provider ids',
      {
        providers: [
          { id: 'g', type: 'groq', apiKey: 'k' },
          { id: 'g', type: 'cerebras', apiKey: 'k' },
        ],
      },
      'providers[1].id: duplicate id "g" (also providers[0])',
    ],
    [
      'a missing key',
      { providers: [{ id: 'g', type: 'groq' }] },
      'providers[0].apiKey: required for type groq',
    ],
    [
      'an openai-compatible provider without baseUrl',
      { providers: [{ id: 'l', type: 'openai-compatible', apiKey: 'k', models: ['m'] }] },
      'providers[0].baseUrl: required for type openai-compatible',
    ],
    [
      'an openai-compatible provider without models',
      { providers: [{ id: 'l', type: 'openai-compatible', apiKey: 'k', baseUrl: 'http://h/v1' }] },
      'providers[0].models: required for provider "l"',
    ],
    [
      'a baseUrl that is not http',
      { providers: [{ id: 'g', type: 'groq', apiKey: 'k', baseUrl: 'ftp://h' }] },
      'providers[0].baseUrl: expected an http:// or https:// URL',
    ],
    ['no providers', { providers: [] }, 'providers: expected at least one provider'],
    [
      'an upgrade policy without a model',
      { providers: [{ id: 'g', type: 'groq', apiKey: 'k' }], defaults: { coaching: { policy: 'upgrade' } } },
      'defaults.coaching.model: policy "upgrade" needs a model',
    ],
    [
      'an upgrade model nobody serves',
      {
        providers: [{ id: 'g', type: 'groq', apiKey: 'k' }],
        defaults: { coaching: { policy: 'upgrade', model: 'gpt-9' } },
      },
      'defaults.coaching.model: no provider serves model "gpt-9"',
    ],
    [
      'an env: reference without a name',
      { providers: [{ id: 'g', type: 'groq', apiKey: 'env:' }] },
      'providers[0].apiKey: env: must be followed by a variable name',
    ],
  ])('refuses %s, naming the field', (_what, file, expected) => {
    const error = errorOf(file);
    expect(error.message.startsWith('Invalid providers file providers.json:\n- ')).toBe(true);
    expect(error.message).toContain(expected);
  });

  it('never echoes a literal key from a file it refuses', () => {
    const key = 'sk-live-do-not-print-0123456789';
    const broken = `{ "providers": [ { "id": "g", "type": "groq", "apiKey": "${key}" "models": [] } ] }`;
    const error = errorOf(broken);
    expect(error.message).toContain('not valid JSON');
    expect(error.message).not.toContain(key);
    const invalid = errorOf({ providers: [{ id: 'g', type: 'groq', apiKey: key, modles: 1 }] });
    expect(invalid.message).not.toContain(key);
  });

  it('reports where the JSON breaks', () => {
    const error = errorOf('{\n  "providers": [\n    { "id": "a", }\n  ]\n}');
    expect(error.message).toBe(
      'Invalid providers file providers.json:\n- not valid JSON: unexpected character at line 3, column 18 (position 36)',
    );
  });

  it.each([
    '{"providers": [1,]}',
    '{"providers": [{"id": "a" "type": "groq"}]}',
    '{"providers": "\\u12"}',
    '{"providers": ["tab\there"]}',
    '{"providers": [01]}',
    '{"providers": [] } trailing',
    '{"providers": [tru]}',
    '{"providers": ["\\x"]}',
    '{"providers": ["\\u00g0"]}',
    '{"providers": [1.]}',
    '{"providers": [-]}',
    '{"providers": [1e]}',
  ])('places the JSON error where JSON.parse does, for %j', (text) => {
    const v8Position = (() => {
      try {
        JSON.parse(text);
      } catch (error) {
        return /at position (\d+)/.exec((error as Error).message)?.[1];
      }
      throw new Error('expected the text to be invalid JSON');
    })();
    const message = errorOf(text).message;
    if (v8Position !== undefined) expect(message).toContain(`(position ${v8Position})`);
    else expect(message).toMatch(/not valid JSON: unexpected character at line 1, column \d+/);
  });

  it('says so when the JSON ends too early', () => {
    expect(errorOf('{"providers": [').message).toContain(
      'not valid JSON: unexpected end of input at line 1, column 16',
    );
    expect(errorOf('').message).toContain('not valid JSON: unexpected end of input at line 1, column 1');
  });
});
