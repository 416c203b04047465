import { describeJsonSyntaxError } from '@spillway/core';
import { describe, expect, it } from 'vitest';

/**
 * Where a broken providers file stops being JSON (config/json-error-offset.ts), checked against
 * positions worked out by hand: V8 names a position for some errors only, so providers.test.ts
 * can compare with it only there.
 */
describe('describeJsonSyntaxError', () => {
  it.each([
    // Each text breaks once, after the construct it exercises has been read correctly.
    ['[9,]', 3],
    ['[1E5,]', 5],
    ['[1e+5,]', 6],
    ['[1e-5,]', 6],
    ['[-0.5,]', 6],
    ['[false,]', 7],
    ['[null x]', 6],
    ['["a b",]', 7],
    ['["\\n\\t\\"\\\\\\/",]', 14],
    ['["\\u00e9x",]', 11],
    ['{"a" :1 ,"b":2,}', 15],
    ['[ ] x', 4],
    ['[1,\t]', 4],
    ['[1,\r\n]', 5],
  ])('places the error in %j at %i', (text, position) => {
    expect(() => JSON.parse(text)).toThrow();
    expect(describeJsonSyntaxError(text)).toMatch(
      new RegExp(`unexpected character at .* \\(position ${position}\\)$`),
    );
  });

  it('says where an unfinished string ends the text', () => {
    expect(describeJsonSyntaxError('{"providers": "abc')).toBe(
      'unexpected end of input at line 1, column 19 (position 18)',
    );
  });

  it('refuses text nested too deeply to scan, without a position', () => {
    expect(describeJsonSyntaxError('['.repeat(200_000))).toBe('nested too deeply to locate the error');
  });
});
