import { readFileSync } from 'node:fs';
import {
  catalog,
  catalogEntry,
  isFreeByDefault,
  loadProviders,
  PROVIDER_TYPES,
  type ProviderType,
  simulatedCatalog,
} from '@spillway/core';
import { describe, expect, it } from 'vitest';

const LIMIT_FIELDS = ['rpm', 'tpm', 'rpd', 'tpd', 'contextWindow'] as const;

const EXPECTED_BASE_URLS = {
  groq: 'https://api.groq.com/openai/v1',
  cerebras: 'https://api.cerebras.ai/v1',
  openai: 'https://api.openai.com/v1',
  gemini: 'https://generativelanguage.googleapis.com/v1beta/openai',
  anthropic: 'https://api.anthropic.com/v1',
  openrouter: 'https://openrouter.ai/api/v1',
  mistral: 'https://api.mistral.ai/v1',
  deepseek: 'https://api.deepseek.com',
  'openai-compatible': '',
};

describe('catalog', () => {
  it('has an entry for every provider type, filed under its own type', () => {
    expect(Object.keys(catalog).sort()).toEqual([...PROVIDER_TYPES].sort());
    for (const type of PROVIDER_TYPES) expect(catalogEntry(type).type).toBe(type);
  });

  it('lists at least one chat model for every type except openai-compatible', () => {
    for (const type of PROVIDER_TYPES) {
      const count = Object.keys(catalogEntry(type).models).length;
      if (type === 'openai-compatible') expect(count).toBe(0);
      else expect(count, type).toBeGreaterThan(0);
    }
  });

  it('records only positive integer limits', () => {
    for (const entry of Object.values(catalog)) {
      for (const [model, facts] of Object.entries(entry.models)) {
        expect(Object.keys(facts).every((field) => (LIMIT_FIELDS as readonly string[]).includes(field))).toBe(
          true,
        );
        for (const field of LIMIT_FIELDS) {
          const value = facts[field];
          if (value !== undefined)
            expect(Number.isInteger(value) && value > 0, `${entry.type} ${model} ${field}`).toBe(true);
        }
      }
    }
  });

  it('says where and when every entry was read', () => {
    for (const entry of Object.values(catalog)) {
      expect(entry.source.url, entry.type).not.toBe('');
      expect(entry.source.readOn, entry.type).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }
  });

  it('uses the base URLs the adapters call', () => {
    for (const [type, baseUrl] of Object.entries(EXPECTED_BASE_URLS)) {
      expect(catalog[type as keyof typeof EXPECTED_BASE_URLS].baseUrl).toBe(baseUrl);
    }
    expect(catalog.simulated).toBe(simulatedCatalog);
  });

  it('carries the documented Groq and Gemini free-tier limits', () => {
    expect(catalog.groq.models['llama-3.1-8b-instant']).toMatchObject({
      rpm: 30,
      rpd: 14_400,
      tpm: 6_000,
      tpd: 500_000,
    });
    expect(catalog.groq.models['llama-3.3-70b-versatile']).toMatchObject({
      rpm: 30,
      rpd: 1_000,
      tpm: 12_000,
      tpd: 100_000,
    });
    expect(catalog.gemini.models['gemini-2.5-flash']).toMatchObject({ rpm: 10, tpm: 250_000, rpd: 250 });
    expect(catalog.cerebras.models['llama3.1-8b']).toMatchObject({
      rpm: 30,
      tpm: 60_000,
      rpd: 14_400,
      tpd: 1_000_000,
    });
  });

  it('counts free tiers as free and paid tiers as not', () => {
    const free = PROVIDER_TYPES.filter((type) => catalog[type].free);
    expect(free.sort()).toEqual(['cerebras', 'gemini', 'groq', 'mistral', 'openrouter', 'simulated']);
  });

  it('counts only :free OpenRouter models as free by default', () => {
    for (const model of Object.keys(catalog.openrouter.models))
      expect(model.endsWith(':free'), model).toBe(true);
    expect(isFreeByDefault('openrouter', 'qwen/qwen3-235b-a22b:free')).toBe(true);
    expect(isFreeByDefault('openrouter', 'openai/gpt-4o')).toBe(false);
    expect(isFreeByDefault('groq', 'anything')).toBe(true);
    expect(isFreeByDefault('openai', 'gpt-4o-mini')).toBe(false);
    expect(isFreeByDefault('openai-compatible', 'm')).toBe(false);
  });
});

/** DESIGN.md's providers `type` list, as the contract states it. */
const DESIGN_TYPES = [
  'groq',
  'cerebras',
  'openai',
  'gemini',
  'anthropic',
  'openrouter',
  'mistral',
  'deepseek',
  'openai-compatible',
  'simulated',
];

describe('provider types', () => {
  it('accepts every type the contract lists, and no other', () => {
    expect([...PROVIDER_TYPES].sort()).toEqual([...DESIGN_TYPES].sort());
    for (const type of DESIGN_TYPES) {
      const provider = { id: 'p', type, apiKey: 'x', baseUrl: 'http://127.0.0.1:1/v1', models: ['m'] };
      const { instances } = loadProviders({
        fileText: JSON.stringify({ providers: [provider] }),
        env: {},
        simulatorUrl: 'http://127.0.0.1:1/v1',
      });
      expect(instances.map((i) => i.type)).toEqual([type]);
    }
  });

  it('README’s table of output modes says what the catalog does', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const described = new Map<ProviderType, string>();
    for (const [, types, mode, field] of readme.matchAll(/^ *\| (`[^|]+`) \| ([^|]+) \| `(\w+)` \|$/gm)) {
      for (const [, type] of types!.matchAll(/`([\w-]+)`/g))
        described.set(type as ProviderType, `${mode} / ${field}`);
    }
    const actual = (type: ProviderType): string => {
      const api = catalog[type].api;
      if (api.adapter === 'anthropic-messages') return 'tool / max_tokens';
      return `${api.structuredOutput} / ${api.tokenLimitField}`;
    };
    const mode = (text: string) =>
      text.includes('json_object') ? 'json_object' : text.includes('json_schema') ? 'json_schema' : 'tool';
    expect([...described.keys()].sort()).toEqual([...PROVIDER_TYPES].sort());
    for (const [type, text] of described) {
      const [said, field] = text.split(' / ');
      expect(`${mode(said!)} / ${field}`, type).toBe(actual(type));
    }
  });
});
