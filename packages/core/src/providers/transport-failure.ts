import type { Deadline } from './deadline.js';
import type { ProviderAnswer } from './types.js';

type TransportFailure = Extract<ProviderAnswer, { kind: 'transport' }>['failure'];

/** undici reports "fetch failed" and hides the useful part (ECONNRESET, ECONNREFUSED...) in `cause`. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause;
  if (cause instanceof Error) {
    const code = (cause as Error & { code?: unknown }).code;
    return `${error.message}: ${typeof code === 'string' ? `${code} ` : ''}${cause.message}`.trim();
  }
  return error.message;
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
