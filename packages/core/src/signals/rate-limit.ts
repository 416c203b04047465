import type { ProviderType } from '../catalog/types.js';
import { msUntilPacificMidnight } from './daily-reset.js';
import {
  parseGoogleDuration,
  parseResetValue,
  parseRetryAfter,
  parseRetryAfterMs,
  wholeMs,
} from './durations.js';
import type { ErrorBody } from './error-body.js';
import type { LimitMeasure, LimitScope, LimitWindow } from './outcome.js';
import { parseRemaining } from './remaining.js';

export interface RateLimitVerdict {
  scope: LimitScope;
  window: LimitWindow;
  measure: LimitMeasure;
  retryAfterMs: number;
  hinted: boolean;
}

export interface RateLimitDefaults {
  defaultRetryMs: number;
  random: () => number;
  provider?: ProviderType;
}

// "Please try again in 35m19s." (Groq, OpenAI), "Please retry in 58.821668433s." (Gemini),
// "try again in 1m 30s", "try again in 1 minute 30 seconds": every part of the duration counts.
const RETRY_IN = /(?:try again|retry) in\s+/gi;
const DURATION_PART =
  /(\d+(?:\.\d+)?|\.\d+)\s*(milliseconds?|ms|minutes?|mins?|m|hours?|hrs?|h|seconds?|secs?|s|µs|μs|us|ns)(?![a-zµμ])/iy;
const PART_SEPARATOR = /\s*(?:,|\band\b)?\s*/iy;
const PART_MS: Record<string, number> = {
  ms: 1,
  m: 60_000,
  h: 3_600_000,
  s: 1_000,
  us: 0.001,
  ns: 0.000_001,
};

function unitMs(unit: string): number {
  const u = unit.toLowerCase();
  if (u.startsWith('milli') || u === 'ms') return PART_MS.ms!;
  if (u === 'µs' || u === 'μs' || u === 'us') return PART_MS.us!;
  return PART_MS[u[0]!] ?? Number.NaN;
}

/** The duration written at `from` ("35m19s", "1m 30s", "1 minute 30 seconds"), or undefined. */
function durationAt(text: string, from: number): number | undefined {
  let total = 0;
  let parts = 0;
  let at = from;
  for (;;) {
    DURATION_PART.lastIndex = at;
    const match = DURATION_PART.exec(text);
    if (!match) break;
    total += Number(match[1]) * unitMs(match[2] ?? '');
    parts++;
    PART_SEPARATOR.lastIndex = DURATION_PART.lastIndex;
    PART_SEPARATOR.exec(text);
    at = PART_SEPARATOR.lastIndex;
  }
  return parts > 0 && Number.isFinite(total) ? wholeMs(total) : undefined;
}

const DAY_TEXT = /\((?:TPD|RPD)\)|\bper[ -]day\b|PerDay/i;
const MINUTE_TEXT = /\((?:TPM|RPM)\)|\bper[ -]min(?:ute)?\b|PerMinute/i;
const TOKENS_TEXT =
  /\((?:TPM|TPD|ITPM|OTPM)\)|\btokens? per\b|Tokens?PerM|Tokens?PerD|token_count|input tokens|output tokens/i;
const REQUESTS_TEXT = /\((?:RPM|RPD)\)|\brequests? per\b|RequestsPer|free-models-per/i;

function longest(values: (number | undefined)[]): number | undefined {
  const known = values.filter((value): value is number => value !== undefined);
  return known.length === 0 ? undefined : Math.max(...known);
}

function hintsInMessage(message: string | undefined): number[] {
  if (!message) return [];
  const found: number[] = [];
  for (const match of message.matchAll(RETRY_IN)) {
    const ms = durationAt(message, (match.index ?? 0) + match[0].length);
    if (ms !== undefined) found.push(ms);
  }
  return found;
}

/**
 * The hints addressed to this very rejection (retry-after-ms, Retry-After, "try again in ..." text,
 * Google RetryInfo). When several speak, the longest wins: retrying at the shortest would only earn
 * another 429 from the limit that is still closed.
 */
export function specificRetryHintMs(
  headers: Record<string, string>,
  body: ErrorBody,
  now: number,
): number | undefined {
  const retryAfterMs = headers['retry-after-ms'];
  const retryAfter = headers['retry-after'];
  return longest([
    retryAfterMs === undefined ? undefined : parseRetryAfterMs(retryAfterMs),
    retryAfter === undefined ? undefined : parseRetryAfter(retryAfter, now),
    ...hintsInMessage(body.message),
    body.retryDelay === undefined ? undefined : parseGoogleDuration(body.retryDelay),
  ]);
}

interface ResetHint {
  ms: number;
  window: LimitWindow;
  measure: LimitMeasure;
}

const measureOf = (what: string): LimitMeasure => (what === 'requests' ? 'requests' : 'tokens');

/**
 * Reset headers describe budgets, not this rejection, so only an empty budget's reset is relevant.
 * When no budget reads empty (a request bigger than what is left), the per-minute resets are the
 * likely cause; a day reset would park the instance for hours on a guess.
 */
function resetHint(
  headers: Record<string, string>,
  body: ErrorBody,
  now: number,
  provider: ProviderType | undefined,
): ResetHint | undefined {
  const buckets = parseRemaining(headers, now, provider).flatMap((bucket) =>
    bucket.resetMs === undefined ? [] : [{ ...bucket, resetMs: bucket.resetMs }],
  );
  const exhausted = buckets.filter((bucket) => bucket.remaining <= 0);
  const candidates: ResetHint[] =
    exhausted.length > 0
      ? exhausted.map((bucket) => ({
          ms: bucket.resetMs,
          window: bucket.window,
          measure: measureOf(bucket.what),
        }))
      : buckets
          .filter((bucket) => bucket.window === 'minute')
          .map((bucket) => ({ ms: bucket.resetMs, window: 'unknown' as const, measure: 'unknown' as const }));
  // Unsuffixed x-ratelimit-remaining/-reset, in headers or copied into the body (OpenRouter).
  const generic = { ...body.embeddedHeaders, ...headers };
  const genericRemaining = Number(generic['x-ratelimit-remaining'] ?? '0');
  const genericReset = generic['x-ratelimit-reset'];
  if (genericReset !== undefined && !(genericRemaining > 0)) {
    const ms = parseResetValue(genericReset, now);
    if (ms !== undefined) candidates.push({ ms, window: 'unknown', measure: 'unknown' });
  }
  return candidates.reduce<ResetHint | undefined>(
    (best, candidate) => (best === undefined || candidate.ms > best.ms ? candidate : best),
    undefined,
  );
}

function said(body: ErrorBody): string {
  const quotaIds = body.quotaViolations.map((violation) => violation.quotaId).join(' ');
  return `${body.message ?? ''} ${quotaIds} ${body.codes.join(' ')}`;
}

/** Whether the refused limit counts tokens or requests, where the answer's text says. */
function measureFromBody(body: ErrorBody): LimitMeasure {
  const text = said(body);
  if (TOKENS_TEXT.test(text)) return 'tokens';
  if (REQUESTS_TEXT.test(text)) return 'requests';
  return 'unknown';
}

function windowFromBody(body: ErrorBody): LimitWindow {
  const text = said(body);
  // A day limit outlasts a minute one; when both are named, the day is what keeps the door shut.
  if (DAY_TEXT.test(text)) return 'day';
  if (MINUTE_TEXT.test(text)) return 'minute';
  return 'unknown';
}

function scopeFromBody(body: ErrorBody): LimitScope {
  const message = body.message ?? '';
  // OpenRouter: the upstream provider throttles this model for every OpenRouter user.
  if (/rate-limited upstream/i.test(message)) return 'model';
  // OpenRouter's free-model allowance counts across the account's free (":free") models only.
  if (/free-models-per-(?:day|min)/i.test(message)) return 'free-models';
  if (
    /\ball models\b/i.test(message) ||
    /rate limit reached for (?:your )?(?:organization|org)\b/i.test(message)
  ) {
    return 'credential';
  }
  // Google quotas are per project; only the ones named "PerModel" leave the project's other models free.
  if (body.quotaViolations.some((violation) => !violation.quotaId.includes('PerModel'))) return 'credential';
  return 'instance';
}

export function jittered(baseMs: number, random: () => number): number {
  return Math.round(baseMs * (0.8 + 0.4 * random()));
}

/** What a 429 says: whom it binds, over which window, and how long to stay away. */
export function readRateLimit(
  headers: Record<string, string>,
  body: ErrorBody,
  now: number,
  defaults: RateLimitDefaults,
): RateLimitVerdict {
  const scope = scopeFromBody(body);
  const bodyWindow = windowFromBody(body);
  const specific = specificRetryHintMs(headers, body, now);
  // Even when the answer names its own delay, an empty budget in the headers still tells the window.
  const reset = resetHint(headers, body, now, defaults.provider);
  const window = bodyWindow !== 'unknown' ? bodyWindow : (reset?.window ?? 'unknown');
  const bodyMeasure = measureFromBody(body);
  const measure = bodyMeasure !== 'unknown' ? bodyMeasure : (reset?.measure ?? 'unknown');
  const hintMs = longest([specific ?? reset?.ms, googleDailyReset(body, window, now)]);
  if (hintMs === undefined) {
    return {
      scope,
      window,
      measure,
      retryAfterMs: jittered(defaults.defaultRetryMs, defaults.random),
      hinted: false,
    };
  }
  return { scope, window, measure, retryAfterMs: hintMs, hinted: true };
}

/**
 * Google's per-day quotas refill at midnight Pacific time, whatever RetryInfo says (it sends a
 * delay of seconds even for a day quota): retrying every minute all day would only earn 429s.
 */
function googleDailyReset(body: ErrorBody, window: LimitWindow, now: number): number | undefined {
  if (window !== 'day') return undefined;
  if (!body.quotaViolations.some((violation) => /PerDay/.test(violation.quotaId))) return undefined;
  return msUntilPacificMidnight(now);
}
