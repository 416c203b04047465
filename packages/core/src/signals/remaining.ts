import type { ProviderType } from '../catalog/types.js';
import { parseResetValue } from './durations.js';
import { lowerCaseKeys, numericHeader } from './headers.js';

/** One budget a provider reported on an answer: how much is left in which window. */
export interface RemainingHint {
  what: 'requests' | 'tokens';
  window: 'minute' | 'day';
  limit?: number;
  remaining: number;
  /** Milliseconds from `now` until this window refills, when the provider said. */
  resetMs?: number;
}

type What = RemainingHint['what'];
type Window = RemainingHint['window'];

const WHATS: What[] = ['requests', 'tokens'];

function hint(
  headers: Record<string, string>,
  now: number,
  what: What,
  window: Window,
  names: { limit: string; remaining: string; reset: string },
): RemainingHint | undefined {
  const remaining = numericHeader(headers, names.remaining);
  if (remaining === undefined) return undefined;
  const result: RemainingHint = { what, window, remaining };
  const limit = numericHeader(headers, names.limit);
  if (limit !== undefined) result.limit = limit;
  const reset = headers[names.reset];
  const resetMs = reset === undefined ? undefined : parseResetValue(reset, now);
  if (resetMs !== undefined) result.resetMs = resetMs;
  return result;
}

/** Groq's unsuffixed request headers count per day; OpenAI's count per minute. */
function isGroq(headers: Record<string, string>, provider: ProviderType | undefined): boolean {
  return provider === 'groq' || 'x-groq-region' in headers;
}

/**
 * The budgets an answer's headers report, for the pool to fold into its own counters:
 * OpenAI/Groq `x-ratelimit-{limit,remaining,reset}-{requests,tokens}`, Cerebras
 * `x-ratelimit-*-{requests,tokens}-{minute,day}` and Anthropic `anthropic-ratelimit-{requests,tokens}-*`.
 * `provider` settles the one ambiguity (Groq's request headers are per day); without it, Groq is
 * recognised by its `x-groq-region` header.
 */
export function parseRemaining(
  rawHeaders: Record<string, string>,
  now: number,
  provider?: ProviderType,
): RemainingHint[] {
  const headers = lowerCaseKeys(rawHeaders);
  const hints: RemainingHint[] = [];
  const add = (found: RemainingHint | undefined): void => {
    if (found) hints.push(found);
  };
  for (const what of WHATS) {
    const window: Window = what === 'requests' && isGroq(headers, provider) ? 'day' : 'minute';
    add(
      hint(headers, now, what, window, {
        limit: `x-ratelimit-limit-${what}`,
        remaining: `x-ratelimit-remaining-${what}`,
        reset: `x-ratelimit-reset-${what}`,
      }),
    );
    for (const suffixed of ['minute', 'day'] as const) {
      add(
        hint(headers, now, what, suffixed, {
          limit: `x-ratelimit-limit-${what}-${suffixed}`,
          remaining: `x-ratelimit-remaining-${what}-${suffixed}`,
          reset: `x-ratelimit-reset-${what}-${suffixed}`,
        }),
      );
    }
    // Anthropic's limits are per minute (RPM, and tokens as the most restrictive of ITPM/OTPM).
    add(
      hint(headers, now, what, 'minute', {
        limit: `anthropic-ratelimit-${what}-limit`,
        remaining: `anthropic-ratelimit-${what}-remaining`,
        reset: `anthropic-ratelimit-${what}-reset`,
      }),
    );
  }
  return hints;
}
