import { ConfigError, loadConfig } from '@spillway/core';
import { describe, expect, it } from 'vitest';

/**
 * The edges of each environment variable's rule (config/env-values.ts): what is just accepted,
 * what is just refused, and what an error shows. config.test.ts covers the common cases.
 */
const KEY_16 = 'sk-0123456789abc';
const KEY = 'sk-acme-0123456789abcdef';

function errorOf(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected loadConfig to throw a ConfigError');
}

const webhookSecret = (bytes: number) => `whsec_${Buffer.alloc(bytes, 7).toString('base64')}`;

describe('numbers', () => {
  it.each(['+80', '80.', '1e3', '0x50'])('refuses %j: digits only', (value) => {
    expect(errorOf({ PORT: value }).issues).toEqual([
      `PORT: must be an integer between 0 and 65535 (got ${JSON.stringify(value)})`,
    ]);
  });

  it('echoes a long bad value cut to 80 characters, and one of 80 whole', () => {
    const long = '9'.repeat(100);
    expect(errorOf({ PORT: long }).issues).toEqual([
      `PORT: must be an integer between 0 and 65535 (got "${'9'.repeat(80)}…")`,
    ]);
    const eighty = 'x'.repeat(80);
    expect(errorOf({ PORT: eighty }).issues).toEqual([
      `PORT: must be an integer between 0 and 65535 (got "${eighty}")`,
    ]);
  });
});

describe('flags', () => {
  it.each([
    ['0', false],
    ['false', false],
    ['FALSE', false],
    ['1', true],
    ['True', true],
  ])('reads %j as %s', (value, expected) => {
    expect(loadConfig({ REDIS_CLUSTER: value, WEBHOOK_ALLOW_PRIVATE: value })).toMatchObject({
      redis: { cluster: expected },
      webhook: { allowPrivate: expected },
    });
  });
});

describe('URLs', () => {
  it('takes redis:// and rediss:// URLs as written', () => {
    expect(loadConfig({ REDIS_URL: 'redis://cache:6380/3' }).redis.url).toBe('redis://cache:6380/3');
    expect(loadConfig({ REDIS_URL: 'rediss://u:p@cache:6380' }).redis.url).toBe('rediss://u:p@cache:6380');
  });

  it('shows a refused Redis URL as written when it has no password', () => {
    expect(errorOf({ REDIS_URL: 'http://cache:6379' }).issues).toEqual([
      'REDIS_URL: must be a redis:// or rediss:// URL (got "http://cache:6379/")',
    ]);
    expect(errorOf({ REDIS_URL: 'http://user:hunter2@cache:6379' }).issues).toEqual([
      'REDIS_URL: must be a redis:// or rediss:// URL (got "http://user:***@cache:6379/")',
    ]);
  });

  it('takes http:// and https:// simulator URLs without their trailing slashes', () => {
    expect(loadConfig({ SIMULATOR_URL: 'https://sim.example/v1' }).simulatorUrl).toBe(
      'https://sim.example/v1',
    );
    expect(loadConfig({ SIMULATOR_URL: 'http://sim.example/v1//' }).simulatorUrl).toBe(
      'http://sim.example/v1',
    );
    expect(errorOf({ SIMULATOR_URL: 'not a url' }).issues).toEqual([
      'SIMULATOR_URL: must be an http:// or https:// URL (got "not a url")',
    ]);
  });
});

describe('API_KEYS', () => {
  const tenants = (API_KEYS: string) => loadConfig({ API_KEYS }).apiKeys;

  it('trims every field, skips blank entries, and gives no cap where none is written', () => {
    const keys = tenants(`acme : ${KEY} , , beta:${KEY_16}x: 7 `);
    expect(keys?.map((k) => [k.tenant, k.key.reveal(), k.maxUnfinished])).toEqual([
      ['acme', KEY, undefined],
      ['beta', `${KEY_16}x`, 7],
    ]);
    expect(Object.keys(keys![0]!)).toEqual(['tenant', 'key']);
  });

  it('takes a key of exactly 16 characters and refuses 15', () => {
    expect(tenants(`acme:${KEY_16}`)?.[0]?.key.reveal()).toBe(KEY_16);
    expect(errorOf({ API_KEYS: `acme:${KEY_16.slice(1)}` }).issues).toEqual([
      'API_KEYS: entry 1 has a key shorter than 16 characters or containing spaces',
    ]);
  });

  it.each(['+5', '1e3', '2.5', '-3', '9007199254740993'])('refuses the cap %j', (cap) => {
    expect(errorOf({ API_KEYS: `acme:${KEY}:${cap}` }).issues).toEqual([
      'API_KEYS: entry 1 has a maxUnfinished that is not a whole number above 0',
    ]);
  });

  it.each(['acme!', '!acme', 'a'.repeat(65)])('refuses the tenant %j', (tenant) => {
    expect(errorOf({ API_KEYS: `${tenant}:${KEY}` }).issues).toEqual([
      'API_KEYS: entry 1 has a tenant that does not match [a-z0-9_-]{1,64}',
    ]);
  });

  it('names a missing tenant as a bad tenant, and lists every problem', () => {
    expect(errorOf({ API_KEYS: `:${KEY}` }).issues).toEqual([
      'API_KEYS: entry 1 has a tenant that does not match [a-z0-9_-]{1,64}',
    ]);
    expect(errorOf({ API_KEYS: `acme, beta:short` }).issues).toEqual([
      'API_KEYS: entry 1 must look like tenant:key; entry 2 has a key shorter than 16 characters or containing spaces',
    ]);
  });
});

describe('ADMIN_KEY', () => {
  it('takes exactly 16 characters and refuses 15', () => {
    expect(loadConfig({ ADMIN_KEY: KEY_16 }).adminKey?.reveal()).toBe(KEY_16);
    expect(errorOf({ ADMIN_KEY: KEY_16.slice(1) }).issues).toEqual([
      'ADMIN_KEY: must be at least 16 characters without spaces',
    ]);
  });
});

describe('WEBHOOK_SECRET', () => {
  const refusal = ['WEBHOOK_SECRET: must be whsec_ followed by base64 of at least 24 bytes'];

  it('takes exactly 24 bytes, with one or two padding characters, and refuses 23', () => {
    for (const bytes of [24, 25, 26]) {
      expect(loadConfig({ WEBHOOK_SECRET: webhookSecret(bytes) }).webhook.secret?.reveal()).toBe(
        webhookSecret(bytes),
      );
    }
    expect(errorOf({ WEBHOOK_SECRET: webhookSecret(23) }).issues).toEqual(refusal);
  });

  it('refuses a valid key behind another prefix', () => {
    expect(errorOf({ WEBHOOK_SECRET: `whsek_${webhookSecret(32).slice('whsec_'.length)}` }).issues).toEqual(
      refusal,
    );
  });

  it('refuses base64 that does not round-trip (bits set past the last byte)', () => {
    // 32 bytes are 43 characters and one "=": the last character carries 2 bits past the data.
    const valid = webhookSecret(32);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const last = alphabet.indexOf(valid.at(-2)!);
    const loose = `${valid.slice(0, -2)}${alphabet[last ^ 1]}=`;
    expect(Buffer.from(loose.slice(6), 'base64')).toEqual(Buffer.from(valid.slice(6), 'base64'));
    expect(errorOf({ WEBHOOK_SECRET: loose }).issues).toEqual(refusal);
  });
});
