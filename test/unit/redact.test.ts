import { Secret, withoutSecret } from '@spillway/core';
import { describe, expect, it } from 'vitest';

describe('withoutSecret', () => {
  it('redacts a key wherever it stands as a whole word', () => {
    const key = new Secret('sk-live-0123456789abcdef');
    expect(withoutSecret('Incorrect API key provided: sk-live-0123456789abcdef.', key)).toBe(
      'Incorrect API key provided: [redacted].',
    );
    expect(withoutSecret('Bearer sk-live-0123456789abcdef,"sk-live-0123456789abcdef"', key)).toBe(
      'Bearer [redacted],"[redacted]"',
    );
  });

  it('leaves words that merely contain a short key intact', () => {
    const key = new Secret('x');
    expect(withoutSecret('model m-x does not exist; x is not a key for it', key)).toBe(
      'model m-x does not exist; [redacted] is not a key for it',
    );
    expect(withoutSecret('max_tokens exceeds the context', key)).toBe('max_tokens exceeds the context');
  });

  it('does not redact a key that is only part of a longer token', () => {
    const key = new Secret('abc123');
    expect(withoutSecret('abc123def and zabc123 and abc123', key)).toBe(
      'abc123def and zabc123 and [redacted]',
    );
  });
});
