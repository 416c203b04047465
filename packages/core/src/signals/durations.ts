/**
 * Parsers for the many ways providers say "wait this long". Every parser returns whole milliseconds
 * (rounded up, so a retry is never early) or undefined when the text is not in its format; times are
 * turned into a delay relative to the injected `now`, never the wall clock.
 */

const UNIT_MS: Record<string, number> = {
  h: 3_600_000,
  m: 60_000,
  s: 1_000,
  ms: 1,
  us: 0.001,
  µs: 0.001,
  μs: 0.001,
  ns: 0.000_001,
};

// Longer units first so that "ms" is not read as minutes followed by a stray "s".
const GO_PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|h|m|s)/y;
const PLAIN_NUMBER = /^\d+(?:\.\d+)?$/;
const RFC_3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;
// Epoch values this large cannot be relative delays (1e9 s is 31 years), so they are absolute times.
const EPOCH_SECONDS_FLOOR = 1e9;
const EPOCH_MS_FLOOR = 1e12;

/**
 * Binary floats make 59.56 * 1000 = 59560.00000000001; rounding to the microsecond first keeps that
 * from turning into 59561 ms.
 */
export function wholeMs(ms: number): number {
  if (!Number.isFinite(ms) || ms <= 0) return 0;
  return Math.ceil(Math.round(ms * 1000) / 1000);
}

/** Go's time.Duration text as Groq and OpenAI send it: `2m59.56s`, `940ms`, `1h2m3s`, `0s`. */
export function parseGoDuration(text: string): number | undefined {
  const value = text.trim().replace(/^\+/, '');
  if (value === '0') return 0;
  if (value === '') return undefined;
  GO_PART.lastIndex = 0;
  let total = 0;
  while (GO_PART.lastIndex < value.length) {
    const match = GO_PART.exec(value);
    if (!match) return undefined;
    total += Number(match[1]) * (UNIT_MS[match[2] ?? ''] ?? Number.NaN);
  }
  return Number.isFinite(total) ? wholeMs(total) : undefined;
}

/** Google's protobuf Duration as JSON: `"47.434392449s"`. */
export function parseGoogleDuration(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)s$/.exec(text.trim());
  return match ? wholeMs(Number(match[1]) * 1000) : undefined;
}

/** A bare decimal number of seconds, as Cerebras sends resets (`33011.382867097855`). */
export function parseSeconds(text: string): number | undefined {
  const value = text.trim();
  return PLAIN_NUMBER.test(value) ? wholeMs(Number(value) * 1000) : undefined;
}

/** `retry-after-ms`: a decimal number of milliseconds. */
export function parseRetryAfterMs(text: string): number | undefined {
  const value = text.trim();
  return PLAIN_NUMBER.test(value) ? wholeMs(Number(value)) : undefined;
}

/** An HTTP date (`Wed, 15 Jan 2025 12:00:30 GMT`) as a delay from `now`. */
export function parseHttpDate(text: string, now: number): number | undefined {
  const value = text.trim();
  // Date.parse reads "12" as a year; an HTTP date always names its day or month in letters.
  if (!/[a-z]/i.test(value)) return undefined;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : wholeMs(at - now);
}

/** `Retry-After`: delay-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(text: string, now: number): number | undefined {
  return parseSeconds(text) ?? parseHttpDate(text, now);
}

/** An RFC 3339 time (Anthropic's `anthropic-ratelimit-*-reset`) as a delay from `now`. */
export function parseTimestamp(text: string, now: number): number | undefined {
  const value = text.trim();
  if (!RFC_3339.test(value)) return undefined;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : wholeMs(at - now);
}

/**
 * Any reset header, whatever its dialect: a Go duration, seconds, an epoch (seconds or, as OpenRouter
 * sends, milliseconds), an RFC 3339 time or an HTTP date.
 */
export function parseResetValue(text: string, now: number): number | undefined {
  const value = text.trim();
  if (PLAIN_NUMBER.test(value)) {
    const number = Number(value);
    if (number >= EPOCH_MS_FLOOR) return wholeMs(number - now);
    if (number >= EPOCH_SECONDS_FLOOR) return wholeMs(number * 1000 - now);
    return wholeMs(number * 1000);
  }
  return parseGoDuration(value) ?? parseTimestamp(value, now) ?? parseHttpDate(value, now);
}
