import { ConfigError, catalog, expandProvider, Secret } from '@spillway/core';
import { describe, expect, it } from 'vitest';

const apiKey = new Secret('sk-expand-test');

describe('expandProvider', () => {
  it('expands omitted models to every catalog model, sorted by id, with catalog limits', () => {
    const instances = expandProvider({ id: 'gem', type: 'gemini', apiKey });
    const models = Object.keys(catalog.gemini.models);
    expect(instances.map((instance) => instance.id)).toEqual(models.map((model) => `gem/${model}`).sort());
    const flash = instances.find((instance) => instance.model === 'gemini-2.5-flash');
    expect(flash).toEqual({
      id: 'gem/gemini-2.5-flash',
      providerId: 'gem',
      type: 'gemini',
      model: 'gemini-2.5-flash',
      baseUrl: 'https://generativelanguage.googleapis.com/v1beta/openai',
      limits: { rpm: 10, tpm: 250_000, rpd: 250 },
      limitsSource: 'catalog',
      contextWindow: 1_048_576,
      free: true,
      apiKey,
    });
  });

  it('orders instances the same whatever order the models are given in', () => {
    const forward = expandProvider({
      id: 'p',
      type: 'groq',
      apiKey,
      models: ['b-model', 'a-model', 'c-model'],
    });
    const backward = expandProvider({
      id: 'p',
      type: 'groq',
      apiKey,
      models: ['c-model', 'a-model', 'b-model'],
    });
    expect(forward.map((instance) => instance.id)).toEqual(['p/a-model', 'p/b-model', 'p/c-model']);
    expect(backward.map((instance) => instance.id)).toEqual(forward.map((instance) => instance.id));
  });

  it('leaves unknown limits absent rather than zero', () => {
    const [instance] = expandProvider({
      id: 'l',
      type: 'openai-compatible',
      apiKey,
      baseUrl: 'http://127.0.0.1:1/v1',
      models: { only: { tpd: 5 } },
    });
    expect(instance?.limits).toEqual({ tpd: 5 });
    expect(Object.keys(instance?.limits ?? {})).toEqual(['tpd']);
    // The operator's own figures: the pool holds to them whatever a provider's headers say.
    expect(instance?.limitsSource).toBe('configured');
    expect(instance?.free).toBe(false);
  });

  it('refuses a type without catalog models when none are given, naming the provider', () => {
    expect(() =>
      expandProvider({ id: 'local', type: 'openai-compatible', apiKey, baseUrl: 'http://h/v1' }),
    ).toThrow(/provider "local": the catalog lists no models for type openai-compatible/);
  });

  it('refuses a type without a default base URL when none is given', () => {
    expect(() => expandProvider({ id: 'local', type: 'openai-compatible', apiKey, models: ['m'] })).toThrow(
      ConfigError,
    );
  });
});
