import { ConfigError } from './errors.js';
import { jsonErrorOffset, lineAndColumn } from './json-error-offset.js';

const BYTE_ORDER_MARK = '\uFEFF';

/** Parses JSON text or throws a ConfigError giving the position, never an excerpt (it may hold a key). */
export function parseJsonText(text: string, title: string): unknown {
  const body = text.startsWith(BYTE_ORDER_MARK) ? text.slice(1) : text;
  try {
    return JSON.parse(body);
  } catch {
    const offset = jsonErrorOffset(body) ?? 0;
    const problem = offset >= body.length ? 'unexpected end of input' : 'unexpected character';
    const { line, column } = lineAndColumn(body, offset);
    throw new ConfigError(title, [
      `not valid JSON: ${problem} at line ${line}, column ${column} (position ${offset})`,
    ]);
  }
}
