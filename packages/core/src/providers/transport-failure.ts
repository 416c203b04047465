import type { Deadline } from './deadline.js';
import type { ProviderAnswer } from './types.js';

type TransportFailure = Extract<ProviderAnswer, { kind: 'transport' }>['failure'];

/**
 * undici reports "fetch failed" and hides the useful part (ECONNREFUSED, ECONNRESET...) in `cause`,
 * and SDKs wrap that once more ("Connection error."): every level of the chain is said, outermost first.
 */
export function describeError(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== undefined; depth++) {
    if (!(current instanceof Error)) {
      parts.push(String(current));
      break;
    }
    const code = (current as Error & { code?: unknown }).code;
    const message = current.message.replace(/\.$/, '');
    parts.push(typeof code === 'string' && !message.includes(code) ? `${code} ${message}` : message);
    current = current.cause;
  }
  return parts.filter((part) => part !== '').join(': ');
}

/**
 * What a failed call with no HTTP answer says: where it was going (the base URL, without any
 * user:password in it), then why, so "fetch failed" names the server that did not answer.
 */
export function transportMessage(baseUrl: string, error: unknown): string {
  return `${withoutUserInfo(baseUrl)}: ${describeError(error)}`;
}

function withoutUserInfo(baseUrl: string): string {
  if (!URL.canParse(baseUrl)) return baseUrl;
  const url = new URL(baseUrl);
  url.username = '';
  url.password = '';
  return url.toString().replace(/\/$/, '');
}

/**
 * Names a failure that produced no HTTP answer. The caller's abort wins over our timeout when both
 * fired, since the caller no longer wants the answer either way.
 */
export function transportFailure(
  outer: AbortSignal,
  deadline: Deadline,
  sdkSaysTimeout: boolean,
): TransportFailure {
  if (outer.aborted) return 'aborted';
  if (deadline.timedOut() || sdkSaysTimeout) return 'timeout';
  return 'connection';
}
