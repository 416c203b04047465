import { ConfigError, DEFAULT_SIMULATOR_URL, loadConfig } from '@spillway/core';
import { describe, expect, it } from 'vitest';

const WEBHOOK_SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
const TENANT_KEY = 'sk-acme-0123456789abcdef';

function errorOf(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected loadConfig to throw a ConfigError');
}

describe('loadConfig', () => {
  it('uses the documented defaults when nothing is set', () => {
    expect(loadConfig({})).toEqual({
      redis: { url: 'redis://127.0.0.1:6379', cluster: false },
      http: { host: '127.0.0.1', port: 3000 },
      providersFile: null,
      apiKeys: null,
      adminKey: null,
      webhook: { secret: null, allowPrivate: false },
      queuePrefix: 'spillway',
      workerConcurrency: 50,
      logLevel: 'info',
      simulatorUrl: DEFAULT_SIMULATOR_URL,
    });
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ PORT: '', API_KEYS: '  ', QUEUE_PREFIX: '' })).toMatchObject({
      http: { port: 3000 },
      apiKeys: null,
      queuePrefix: 'spillway',
    });
  });

  it('reads every variable it knows and ignores the rest of the environment', () => {
    const config = loadConfig({
      REDIS_URL: 'rediss://:pw@redis.example:6380/2',
      REDIS_CLUSTER: 'true',
      PORT: '0',
      HOST: '0.0.0.0',
      PROVIDERS_FILE: './providers.json',
      API_KEYS: `acme:${TENANT_KEY}, beta_2:sk-beta-0123456789abcdef:5000`,
      WEBHOOK_SECRET,
      WEBHOOK_ALLOW_PRIVATE: '1',
      QUEUE_PREFIX: 'spw:test-1',
      WORKER_CONCURRENCY: '1000',
      LOG_LEVEL: 'debug',
      SIMULATOR_URL: 'http://127.0.0.1:9200/v1/',
      HOME: '/root',
    });
    expect(config.redis).toEqual({ url: 'rediss://:pw@redis.example:6380/2', cluster: true });
    expect(config.http).toEqual({ host: '0.0.0.0', port: 0 });
    expect(config.providersFile).toBe('./providers.json');
    expect(config.apiKeys?.map((entry) => [entry.tenant, entry.key.reveal(), entry.maxUnfinished])).toEqual([
      ['acme', TENANT_KEY, undefined],
      ['beta_2', 'sk-beta-0123456789abcdef', 5000],
    ]);
    expect(config.webhook.secret?.reveal()).toBe(WEBHOOK_SECRET);
    expect(config.webhook.allowPrivate).toBe(true);
    expect(config.queuePrefix).toBe('spw:test-1');
    expect(config.workerConcurrency).toBe(1000);
    expect(config.logLevel).toBe('debug');
    expect(config.simulatorUrl).toBe('http://127.0.0.1:9200/v1');
  });

  it('returns a deeply frozen object', () => {
    const config = loadConfig({ API_KEYS: `acme:${TENANT_KEY}` });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.redis)).toBe(true);
    expect(Object.isFrozen(config.apiKeys)).toBe(true);
    expect(Object.isFrozen(config.apiKeys?.[0])).toBe(true);
    expect(() => {
      (config.http as { port: number }).port = 1;
    }).toThrow(TypeError);
  });

  it('never serializes a secret', () => {
    const config = loadConfig({ API_KEYS: `acme:${TENANT_KEY}`, WEBHOOK_SECRET });
    const json = JSON.stringify(config);
    expect(json).not.toContain(TENANT_KEY);
    expect(json).not.toContain(WEBHOOK_SECRET.slice('whsec_'.length));
    expect(json).toContain('[redacted]');
  });

  it.each([
    ['PORT', 'abc', 'PORT: must be an integer between 0 and 65535 (got "abc")'],
    ['PORT', '65536', 'PORT: must be an integer between 0 and 65535 (got "65536")'],
    ['PORT', '3000.5', 'PORT: must be an integer between 0 and 65535'],
    ['REDIS_URL', 'http://127.0.0.1:6379', 'REDIS_URL: must be a redis:// or rediss:// URL'],
    ['REDIS_URL', 'not a url', 'REDIS_URL: must be a redis:// or rediss:// URL'],
    ['REDIS_CLUSTER', 'yes', 'REDIS_CLUSTER: must be 1, true, 0 or false (got "yes")'],
    ['WEBHOOK_ALLOW_PRIVATE', 'on', 'WEBHOOK_ALLOW_PRIVATE: must be 1, true, 0 or false (got "on")'],
    ['HOST', 'my host', 'HOST: must be a host name or address without spaces'],
    ['QUEUE_PREFIX', '{spillway}', 'QUEUE_PREFIX: must be 1 to 64 of A-Z a-z 0-9 _ : - (no braces)'],
    ['QUEUE_PREFIX', 'x'.repeat(65), 'QUEUE_PREFIX: must be 1 to 64'],
    ['WORKER_CONCURRENCY', '0', 'WORKER_CONCURRENCY: must be an integer between 1 and 1000 (got "0")'],
    ['WORKER_CONCURRENCY', '1001', 'WORKER_CONCURRENCY: must be an integer between 1 and 1000'],
    ['LOG_LEVEL', 'loud', 'LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent'],
    ['SIMULATOR_URL', 'ftp://sim', 'SIMULATOR_URL: must be an http:// or https:// URL'],
    ['API_KEYS', 'acme', 'API_KEYS: entry 1 must look like tenant:key'],
    ['API_KEYS', `Acme!:${TENANT_KEY}`, 'API_KEYS: entry 1 has a tenant that does not match'],
    ['API_KEYS', 'acme:short', 'API_KEYS: entry 1 has a key shorter than 16 characters'],
    ['API_KEYS', ',', 'API_KEYS: must list at least one tenant:key'],
    [
      'API_KEYS',
      `acme:${TENANT_KEY}:0`,
      'API_KEYS: entry 1 has a maxUnfinished that is not a whole number above 0',
    ],
    [
      'API_KEYS',
      `acme:${TENANT_KEY}:5k`,
      'API_KEYS: entry 1 has a maxUnfinished that is not a whole number above 0',
    ],
    ['API_KEYS', `acme:${TENANT_KEY}:5:6`, 'API_KEYS: entry 1 has more than three fields'],
    ['WEBHOOK_SECRET', 'not-whsec', 'WEBHOOK_SECRET: must be whsec_ followed by base64 of at least 24 bytes'],
    ['WEBHOOK_SECRET', `whsec_${Buffer.alloc(16).toString('base64')}`, 'WEBHOOK_SECRET: must be whsec_'],
    ['WEBHOOK_SECRET', 'whsec_!!!!notbase64!!!!notbase64!!!!', 'WEBHOOK_SECRET: must be whsec_'],
  ])('refuses %s=%j and names the variable', (name, value, expected) => {
    const error = errorOf({ [name]: value });
    expect(error.message.startsWith('Invalid configuration:\n- ')).toBe(true);
    expect(error.message).toContain(expected);
    expect(error.issues).toHaveLength(1);
  });

  it('lists every bad variable at once', () => {
    const error = errorOf({ PORT: 'abc', LOG_LEVEL: 'loud', WORKER_CONCURRENCY: '-1' });
    expect(error.issues.map((issue) => issue.split(':')[0])).toEqual([
      'PORT',
      'WORKER_CONCURRENCY',
      'LOG_LEVEL',
    ]);
  });

  it('refuses a tenant named twice and a key used twice', () => {
    const otherKey = 'sk-other-0123456789abcdef';
    expect(errorOf({ API_KEYS: `acme:${TENANT_KEY},acme:${otherKey}` }).message).toContain(
      'entries 1 and 2 name the same tenant',
    );
    expect(errorOf({ API_KEYS: `acme:${TENANT_KEY},beta:${TENANT_KEY}` }).message).toContain(
      'entries 1 and 2 use the same key',
    );
  });

  it('never echoes an API key, even one written in the wrong place', () => {
    const cases = [
      `acme:${TENANT_KEY},${TENANT_KEY}`,
      `${TENANT_KEY}:acme`,
      `acme:${TENANT_KEY},acme:${TENANT_KEY}`,
      `acme:${TENANT_KEY} with-space`,
    ];
    for (const API_KEYS of cases) {
      const error = errorOf({ API_KEYS });
      expect(error.message).toContain('API_KEYS');
      expect(error.message).not.toContain(TENANT_KEY);
      expect(error.message).not.toContain('with-space');
    }
  });

  it('never echoes a webhook secret', () => {
    const almost = `whsec_${Buffer.alloc(20, 9).toString('base64')}`;
    const error = errorOf({ WEBHOOK_SECRET: almost });
    expect(error.message).not.toContain(almost.slice('whsec_'.length));
  });

  it('masks a Redis password in its error', () => {
    const error = errorOf({ REDIS_URL: 'http://:hunter2-password@redis.example:6379' });
    expect(error.message).toContain('REDIS_URL');
    expect(error.message).not.toContain('hunter2-password');
  });
});
