import type { Secret } from '../config/secret.js';

const REDACTED = '[redacted]';

/**
 * Removes a credential from text that came back from the wire or from an error message. Providers
 * normally mask keys they echo, but an answer is stored on the job and shown to tenants, so the adapter
 * does not rely on that.
 */
export function withoutSecret(text: string, secret: Secret): string {
  const value = secret.reveal();
  return value === '' ? text : text.split(value).join(REDACTED);
}

export function headersWithoutSecret(
  headers: Record<string, string>,
  secret: Secret,
): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) result[name] = withoutSecret(value, secret);
  return result;
}
