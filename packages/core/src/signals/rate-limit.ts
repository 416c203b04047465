import type { ProviderType } from '../catalog/types.js';
import {
  parseGoDuration,
  parseGoogleDuration,
  parseResetValue,
  parseRetryAfter,
  parseRetryAfterMs,
} from './durations.js';
import type { ErrorBody } from './error-body.js';
import type { LimitScope, LimitWindow } from './outcome.js';
import { parseRemaining } from './remaining.js';

export interface RateLimitVerdict {
  scope: LimitScope;
  window: LimitWindow;
  retryAfterMs: number;
  hinted: boolean;
}

export interface RateLimitDefaults {
  defaultRetryMs: number;
  random: () => number;
  provider?: ProviderType;
}

// "Please try again in 35m19s." (Groq, OpenAI), "Please retry in 58.821668433s." (Gemini).
const RETRY_IN_DURATION = /(?:try again|retry) in ((?:(?:\d+(?:\.\d+)?|\.\d+)(?:ns|us|µs|μs|ms|h|m|s))+)/gi;
const RETRY_IN_WORDS = /(?:try again|retry) in (\d+(?:\.\d+)?) ?(second|minute|hour)s?\b/gi;
const WORD_MS: Record<string, number> = { second: 1_000, minute: 60_000, hour: 3_600_000 };

const DAY_TEXT = /\((?:TPD|RPD)\)|\bper[ -]day\b|PerDay/i;
const MINUTE_TEXT = /\((?:TPM|RPM)\)|\bper[ -]min(?:ute)?\b|PerMinute/i;

function longest(values: (number | undefined)[]): number | undefined {
  const known = values.filter((value): value is number => value !== undefined);
  return known.length === 0 ? undefined : Math.max(...known);
}

function hintsInMessage(message: string | undefined): number[] {
  if (!message) return [];
  const found: number[] = [];
  for (const match of message.matchAll(RETRY_IN_DURATION)) {
    const ms = parseGoDuration(match[1] ?? '');
    if (ms !== undefined) found.push(ms);
  }
  for (const match of message.matchAll(RETRY_IN_WORDS)) {
    found.push(Math.ceil(Number(match[1]) * (WORD_MS[(match[2] ?? '').toLowerCase()] ?? 0)));
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
}

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
      ? exhausted.map((bucket) => ({ ms: bucket.resetMs, window: bucket.window }))
      : buckets
          .filter((bucket) => bucket.window === 'minute')
          .map((bucket) => ({ ms: bucket.resetMs, window: 'unknown' as const }));
  // Unsuffixed x-ratelimit-remaining/-reset, in headers or copied into the body (OpenRouter).
  const generic = { ...body.embeddedHeaders, ...headers };
  const genericRemaining = Number(generic['x-ratelimit-remaining'] ?? '0');
  const genericReset = generic['x-ratelimit-reset'];
  if (genericReset !== undefined && !(genericRemaining > 0)) {
    const ms = parseResetValue(genericReset, now);
    if (ms !== undefined) candidates.push({ ms, window: 'unknown' });
  }
  return candidates.reduce<ResetHint | undefined>(
    (best, candidate) => (best === undefined || candidate.ms > best.ms ? candidate : best),
    undefined,
  );
}

function windowFromBody(body: ErrorBody): LimitWindow {
  const quotaIds = body.quotaViolations.map((violation) => violation.quotaId).join(' ');
  const said = `${body.message ?? ''} ${quotaIds} ${body.codes.join(' ')}`;
  // A day limit outlasts a minute one; when both are named, the day is what keeps the door shut.
  if (DAY_TEXT.test(said)) return 'day';
  if (MINUTE_TEXT.test(said)) return 'minute';
  return 'unknown';
}

function scopeFromBody(body: ErrorBody): LimitScope {
  const message = body.message ?? '';
  // OpenRouter: the upstream provider throttles this model for every OpenRouter user.
  if (/rate-limited upstream/i.test(message)) return 'model';
  // OpenRouter's free-model allowance counts across all free models of the account.
  if (/free-models-per-(?:day|min)/i.test(message)) return 'credential';
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
  const hintMs = specific ?? reset?.ms;
  const window = bodyWindow !== 'unknown' ? bodyWindow : (reset?.window ?? 'unknown');
  if (hintMs === undefined) {
    return { scope, window, retryAfterMs: jittered(defaults.defaultRetryMs, defaults.random), hinted: false };
  }
  return { scope, window, retryAfterMs: hintMs, hinted: true };
}
