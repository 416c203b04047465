import { type ProviderAnswer, parseOutcome } from '@spillway/core';
import { describe, expect, it } from 'vitest';
import { asHttpError, loadRecordedAnswer } from './recorded-answers.js';

/**
 * How a 429 is read, rule by rule (signals/rate-limit.ts): the hints addressed to it, the budget
 * resets that stand in when there are none, and whom and which window it binds. The recorded
 * answers (parse-outcome.test.ts) show the common shapes; these vary one fact at a time.
 */
const NOW = Date.parse('2025-01-15T12:00:00.000Z');
// 0.5 puts the jitter at 0: a hint-less 429 waits exactly the 30 s default.
const OPTIONS = { now: NOW, random: () => 0.5 };
const UNHINTED = { retryAfterMs: 30_000, hinted: false };

function http429(body: unknown, headers: Record<string, string> = {}): ProviderAnswer {
  return {
    kind: 'http_error',
    status: 429,
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    latencyMs: 1,
  };
}

const said = (message: string) => parseOutcome(http429({ error: { message } }), OPTIONS);

describe('a delay written in the message', () => {
  it.each([
    ['Please try again in 500 milliseconds.', 500],
    ['Please try again in 1 millisecond.', 1],
    ['Please retry in 2500us.', 3],
    ['Please retry in 2500µs.', 3],
    ['Please retry in 2500μs.', 3],
    ['Please try again in 2 hours 1 min', 7_260_000],
    ['Please try again in 1m, 5s', 65_000],
    ['Please try again in 1m and 5s', 65_000],
    ['Please try again in 35m19s.', 2_119_000],
    ['Please try again in 1h2m3.5s.', 3_723_500],
    ['Please try again in  5s (two spaces).', 5_000],
    ['Please try again in 1.25s.', 1_250],
    ['Please try again in .25s.', 250],
    ['Please try again in 1 hour.', 3_600_000],
    ['Please try again in 2 hr.', 7_200_000],
    ['Please try again in 2 hrs.', 7_200_000],
    ['Please try again in 1 minute.', 60_000],
    ['Please try again in 3 mins.', 180_000],
    ['Please try again in 1 sec.', 1_000],
    ['Please try again in 3 secs.', 3_000],
    ['Please try again in 1 second.', 1_000],
  ])('reads %j as %i ms', (message, ms) => {
    expect(said(message)).toMatchObject({ retryAfterMs: ms, hinted: true });
  });

  it('is no hint when no duration follows "try again in"', () => {
    expect(said('Please try again in a moment.')).toMatchObject(UNHINTED);
    expect(said('Please try again in 5 fortnights.')).toMatchObject(UNHINTED);
  });
});

describe('budget resets, when nothing addresses the rejection itself', () => {
  it('waits for the longest of the empty budgets, whichever header comes first', () => {
    const requestsLonger = {
      'x-ratelimit-remaining-requests': '0',
      'x-ratelimit-reset-requests': '20s',
      'x-ratelimit-remaining-tokens': '0',
      'x-ratelimit-reset-tokens': '5s',
    };
    expect(parseOutcome(http429('', requestsLonger), OPTIONS)).toMatchObject({
      retryAfterMs: 20_000,
      measure: 'requests',
      window: 'minute',
    });
    const tokensLonger = { ...requestsLonger, 'x-ratelimit-reset-requests': '2s' };
    expect(parseOutcome(http429('', tokensLonger), OPTIONS)).toMatchObject({
      retryAfterMs: 5_000,
      measure: 'tokens',
      window: 'minute',
    });
  });

  it('an empty budget that gives no reset says nothing about the wait or the window', () => {
    expect(parseOutcome(http429('', { 'x-ratelimit-remaining-tokens': '0' }), OPTIONS)).toMatchObject({
      ...UNHINTED,
      window: 'unknown',
      measure: 'unknown',
    });
  });

  it('reads the unsuffixed reset only while the unsuffixed remaining count is spent', () => {
    const inAnHour = String(NOW + 3_600_000);
    expect(
      parseOutcome(http429('', { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': inAnHour }), OPTIONS),
    ).toMatchObject({ retryAfterMs: 3_600_000, hinted: true, window: 'unknown', measure: 'unknown' });
    // No remaining count at all reads as spent.
    expect(parseOutcome(http429('', { 'x-ratelimit-reset': inAnHour }), OPTIONS)).toMatchObject({
      retryAfterMs: 3_600_000,
    });
    expect(
      parseOutcome(http429('', { 'x-ratelimit-remaining': '5', 'x-ratelimit-reset': inAnHour }), OPTIONS),
    ).toMatchObject(UNHINTED);
  });

  it('reads the unsuffixed reset from headers a gateway copied into the body, unless some remain', () => {
    const recorded = loadRecordedAnswer('openrouter-429-free-models-per-day');
    const withRoomLeft = {
      ...recorded,
      body: recorded.body.replace('"X-RateLimit-Remaining": "0"', '"X-RateLimit-Remaining": "7"'),
    };
    expect(withRoomLeft.body).not.toBe(recorded.body);
    expect(parseOutcome(asHttpError(withRoomLeft), OPTIONS)).toMatchObject({
      code: 'rate_limited',
      scope: 'free-models',
      ...UNHINTED,
    });
  });
});

describe('which window and measure a message names', () => {
  const quota = (quotaId: string) =>
    parseOutcome(
      http429({
        error: {
          message: 'Quota exceeded.',
          details: [{ '@type': 'type.googleapis.com/google.rpc.QuotaFailure', violations: [{ quotaId }] }],
        },
      }),
      OPTIONS,
    );

  it.each([
    ['You sent more than 30 requests per min.', 'minute', 'requests'],
    ['You sent more than 30 request per minute.', 'minute', 'requests'],
    ['You sent more than 6000 token per minute.', 'minute', 'tokens'],
    ['You sent more than 6000 tokens per day.', 'day', 'tokens'],
  ])('reads %j as a %s limit of %s', (message, window, measure) => {
    expect(said(message)).toMatchObject({ window, measure });
  });

  it.each([
    ['InputTokenPerMinutePerProject', 'minute', 'tokens'],
    ['InputTokenPerDayPerProject', 'day', 'tokens'],
    ['GenerateRequestsPerMinutePerProjectPerModel', 'minute', 'requests'],
  ])('reads the quota id %s as a %s limit of %s', (quotaId, window, measure) => {
    expect(quota(quotaId)).toMatchObject({ window, measure });
  });
});

describe('whom a 429 binds', () => {
  it.each([
    ['You exceeded the request limit across all models of this account.', 'credential'],
    ['Rate limit reached for organization org-abc on tokens per min (TPM).', 'credential'],
    ['Rate limit reached for your organization on requests per day.', 'credential'],
    ['Rate limit reached for org org-abc.', 'credential'],
    ['Rate limit reached for model llama in organization org-abc.', 'instance'],
  ])('reads %j as the %s', (message, scope) => {
    expect(said(message)).toMatchObject({ scope });
  });
});

describe("Google's daily refill", () => {
  it('counts to the next midnight in Los Angeles to the millisecond, from any moment of the day', () => {
    // 12:34:56.789 UTC is 04:34:56.789 in Los Angeles (PST): 19 h 25 min 3.211 s to midnight.
    const now = Date.parse('2025-01-15T12:34:56.789Z');
    const outcome = parseOutcome(asHttpError(loadRecordedAnswer('gemini-429-per-day')), {
      now,
      random: () => 0.5,
    });
    expect(outcome).toMatchObject({ window: 'day', retryAfterMs: 19 * 3_600_000 + 25 * 60_000 + 3_211 });
  });
});
