import { ConfigError } from './errors.js';
import { jsonErrorOffset, lineAndColumn } from './json-error-offset.js';

const BYTE_ORDER_MARK = '\uFEFF';

/**
 * Where JSON text stops being JSON, as `unexpected character at line 3, column 51 (position 69)`:
 * a position, never an excerpt (the text may hold a key). Call it only for text JSON.parse refused.
 */
export function describeJsonSyntaxError(text: string): string {
  let offset: number;
  try {
    offset = jsonErrorOffset(text) ?? 0;
  } catch (err) {
    // The locating scanner recurses per nesting level; a body nested deeper than the stack allows
    // is refused all the same, without a position.
    if (err instanceof RangeError) return 'nested too deeply to locate the error';
    throw err;
  }
  const problem = offset >= text.length ? 'unexpected end of input' : 'unexpected character';
  const { line, column } = lineAndColumn(text, offset);
  return `${problem} at line ${line}, column ${column} (position ${offset})`;
}

/** Parses JSON text or throws a ConfigError giving the position, never an excerpt (it may hold a key). */
export function parseJsonText(text: string, title: string): unknown {
  const body = text.startsWith(BYTE_ORDER_MARK) ? text.slice(1) : text;
  try {
    return JSON.parse(body);
  } catch {
    throw new ConfigError(title, [`not valid JSON: ${describeJsonSyntaxError(body)}`]);
  }
}
