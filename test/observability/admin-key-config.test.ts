import { ConfigError, loadConfig } from '@spillway/core';
import { describe, expect, it } from 'vitest';

describe('ADMIN_KEY', () => {
  it('is off unless set, and kept as a secret when set', () => {
    expect(loadConfig({}).adminKey).toBeNull();
    expect(loadConfig({ ADMIN_KEY: '  ' }).adminKey).toBeNull();
    const config = loadConfig({ ADMIN_KEY: 'adm-0123456789abcdef' });
    expect(config.adminKey?.reveal()).toBe('adm-0123456789abcdef');
    expect(JSON.stringify(config)).not.toContain('adm-0123456789abcdef');
  });

  it('refuses a short key or one with spaces, without echoing it', () => {
    for (const key of ['short-key', 'adm 0123456789 abcdef']) {
      let error: unknown;
      try {
        loadConfig({ ADMIN_KEY: key });
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ConfigError);
      const text = `${(error as ConfigError).message} ${(error as ConfigError).issues.join(' ')}`;
      expect(text).toContain('ADMIN_KEY');
      expect(text).toContain('at least 16 characters');
      expect(text).not.toContain(key);
    }
  });
});
