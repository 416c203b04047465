import type { ProviderType } from '../catalog/types.js';
import { parseResetValue } from './durations.js';
import { lowerCaseKeys, numericHeader } from './headers.js';

/** One budget a provider reported on an answer: how much is left in which window. */
export interface RemainingHint {
  /** Anthropic also counts input and output tokens apart (ITPM, OTPM). */
  what: 'requests' | 'tokens' | 'input-tokens' | 'output-tokens';
  window: 'minute' | 'day';
  limit?: number;
  remaining: number;
  /** Milliseconds from `now` until this window refills, when the provider said. */
  resetMs?: number;
}

type What = RemainingHint['what'];
type Window = RemainingHint['window'];

interface HeaderFamily {
  what: What;
  /** 'unsuffixed': per minute, except Groq's request headers, which count per day. */
  window: Window | 'unsuffixed';
  names: { limit: string; remaining: string; reset: string };
}

/** Every header family read, named once here rather than on every answer. */
const FAMILIES: readonly HeaderFamily[] = (['requests', 'tokens'] as const).flatMap((what) => [
  {
    what,
    window: 'unsuffixed' as const,
    names: {
      limit: `x-ratelimit-limit-${what}`,
      remaining: `x-ratelimit-remaining-${what}`,
      reset: `x-ratelimit-reset-${what}`,
    },
  },
  ...(['minute', 'day'] as const).map((window) => ({
    what,
    window,
    names: {
      limit: `x-ratelimit-limit-${what}-${window}`,
      remaining: `x-ratelimit-remaining-${what}-${window}`,
      reset: `x-ratelimit-reset-${what}-${window}`,
    },
  })),
]);

// Anthropic's limits are per minute: RPM, tokens (the most restrictive of ITPM/OTPM), and the
// input and output token limits each on their own.
const ANTHROPIC: readonly HeaderFamily[] = (
  ['requests', 'tokens', 'input-tokens', 'output-tokens'] as const
).map((what) => ({
  what,
  window: 'minute' as const,
  names: {
    limit: `anthropic-ratelimit-${what}-limit`,
    remaining: `anthropic-ratelimit-${what}-remaining`,
    reset: `anthropic-ratelimit-${what}-reset`,
  },
}));

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
  for (const family of [...FAMILIES, ...ANTHROPIC]) {
    const window =
      family.window !== 'unsuffixed'
        ? family.window
        : family.what === 'requests' && isGroq(headers, provider)
          ? 'day'
          : 'minute';
    const found = hint(headers, now, family.what, window, family.names);
    if (found) hints.push(found);
  }
  return hints;
}
