import { inspect } from 'node:util';
import { Secret } from '@spillway/core';
import { describe, expect, it } from 'vitest';

describe('Secret', () => {
  it('reveals its value only through reveal()', () => {
    const secret = new Secret('sk-live-123');
    expect(secret.reveal()).toBe('sk-live-123');
    expect(JSON.stringify({ secret })).not.toContain('sk-live-123');
    expect(`${secret}`).not.toContain('sk-live-123');
    expect(inspect({ nested: { secret } })).not.toContain('sk-live-123');
  });

  it('shows as [redacted] everywhere it is turned into text', () => {
    const secret = new Secret('sk-live-123');
    expect(`${secret}`).toBe('[redacted]');
    expect(String(secret)).toBe('[redacted]');
    expect(inspect(secret)).toBe('[redacted]');
    expect(JSON.stringify(secret)).toBe('"[redacted]"');
  });
});
