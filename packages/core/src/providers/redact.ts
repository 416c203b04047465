import type { Secret } from '../config/secret.js';

const REDACTED = '[redacted]';
/** Characters keys are made of: a match next to one of these is part of a longer word, not the key. */
const KEY_CHARACTER = /[A-Za-z0-9_-]/;

/**
 * Removes a credential from text that came back from the wire or from an error message. Providers
 * normally mask keys they echo, but an answer is stored on the job and shown to tenants, so the adapter
 * does not rely on that. Only whole occurrences count: a short key such as "x" must not turn "exist"
 * into "e[redacted]ist".
 */
export function withoutSecret(text: string, secret: Secret): string {
  const value = secret.reveal();
  if (value === '') return text;
  let result = '';
  let copiedUpTo = 0;
  for (let at = text.indexOf(value); at >= 0; at = text.indexOf(value, at + 1)) {
    if (at < copiedUpTo || !standsAlone(text, at, value.length)) continue;
    result += text.slice(copiedUpTo, at) + REDACTED;
    copiedUpTo = at + value.length;
  }
  return result + text.slice(copiedUpTo);
}

function standsAlone(text: string, at: number, length: number): boolean {
  const before = text[at - 1];
  const after = text[at + length];
  return !(before && KEY_CHARACTER.test(before)) && !(after && KEY_CHARACTER.test(after));
}

export function headersWithoutSecret(
  headers: Record<string, string>,
  secret: Secret,
): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) result[name] = withoutSecret(value, secret);
  return result;
}
