import { formatFloatSeconds, formatGoDuration, formatRfc3339 } from './durations.js';
import type { Violation, WindowName, WindowState } from './limits.js';
import type { Dialect } from './types.js';

/** The current state of one of the model's windows, or undefined when the model has no such limit. */
export type WindowView = (window: WindowName) => WindowState | undefined;

/**
 * The remaining/reset headers each vendor sends, on successes and alongside its 429s. Which window a
 * header describes follows the vendor: Groq's `-requests` headers are the per-day budget and its
 * `-tokens` headers the per-minute one; OpenAI and Anthropic describe the per-minute windows; Cerebras
 * names the window in the header. Gemini and bare servers send none.
 */
export function limitHeaders(
  dialect: Dialect,
  windows: WindowView,
  now: number,
  violation?: Violation,
): Record<string, string> {
  const reset = (state: WindowState) =>
    violation?.window === state.window ? violation.retryAfterMs : state.resetMs;
  switch (dialect) {
    case 'openai':
      return xRateLimit(windows('rpm'), windows('tpm'), (s) => formatGoDuration(reset(s)));
    case 'groq':
      return xRateLimit(windows('rpd') ?? windows('rpm'), windows('tpm') ?? windows('tpd'), (s) =>
        formatGoDuration(reset(s)),
      );
    case 'cerebras':
      return cerebras(windows('rpd'), windows('tpm'), (s) => formatFloatSeconds(reset(s)));
    case 'anthropic':
      return anthropic(windows('rpm') ?? windows('rpd'), windows('tpm') ?? windows('tpd'), (s) =>
        formatRfc3339(now + reset(s)),
      );
    case 'gemini':
    case 'bare':
      return {};
  }
}

type ResetFormat = (state: WindowState) => string;

function xRateLimit(requests: WindowState | undefined, tokens: WindowState | undefined, format: ResetFormat) {
  return {
    ...family('x-ratelimit-%-requests', requests, format),
    ...family('x-ratelimit-%-tokens', tokens, format),
  };
}

function cerebras(
  requestsDay: WindowState | undefined,
  tokensMinute: WindowState | undefined,
  format: ResetFormat,
) {
  return {
    ...family('x-ratelimit-%-requests-day', requestsDay, format),
    ...family('x-ratelimit-%-tokens-minute', tokensMinute, format),
  };
}

function anthropic(requests: WindowState | undefined, tokens: WindowState | undefined, format: ResetFormat) {
  return {
    ...family('anthropic-ratelimit-requests-%', requests, format),
    ...family('anthropic-ratelimit-tokens-%', tokens, format),
  };
}

/** limit/remaining/reset headers from a name template whose `%` is the field. */
function family(
  template: string,
  state: WindowState | undefined,
  format: ResetFormat,
): Record<string, string> {
  if (!state) return {};
  return {
    [template.replace('%', 'limit')]: String(state.limit),
    [template.replace('%', 'remaining')]: String(state.remaining),
    [template.replace('%', 'reset')]: format(state),
  };
}
