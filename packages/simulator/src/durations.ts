/**
 * The three ways providers write "how long until": Go durations (OpenAI, Groq), float seconds
 * (Cerebras) and absolute RFC 3339 times (Anthropic).
 */

/** Go's time.Duration.String() at millisecond precision: `940ms`, `1.54s`, `2m59.56s`, `1h0m5s`. */
export function formatGoDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms));
  if (total === 0) return '0s';
  if (total < 1000) return `${total}ms`;
  const hours = Math.floor(total / 3_600_000);
  const minutes = Math.floor((total % 3_600_000) / 60_000);
  const seconds = trimFraction(((total % 60_000) / 1000).toFixed(3));
  if (hours > 0) return `${hours}h${minutes}m${seconds}s`;
  if (minutes > 0) return `${minutes}m${seconds}s`;
  return `${seconds}s`;
}

/** Cerebras writes resets as plain float seconds, e.g. `33011.382`. */
export function formatFloatSeconds(ms: number): string {
  return String(Math.max(0, ms) / 1000);
}

/** Anthropic writes resets as RFC 3339 instants at second precision. */
export function formatRfc3339(epochMs: number): string {
  return new Date(Math.ceil(epochMs / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** Retry-After takes whole seconds; rounding up keeps a client from arriving early. */
export function wholeSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

function trimFraction(fixed: string): string {
  return fixed.includes('.') ? fixed.replace(/\.?0+$/, '') : fixed;
}
