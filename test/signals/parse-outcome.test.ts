import { assertNever, type ProviderAnswer, type ProviderOutcome, parseOutcome } from '@spillway/core';
import { describe, expect, it } from 'vitest';
import { asHttpError, loadRecordedAnswer, recordedAnswerNames } from './recorded-answers.js';

const NOW = Date.parse('2025-01-15T12:00:00.000Z');
// 0.25 puts the ±20% jitter at -10%: a 30 s default becomes 27 s, a 5 s capacity backoff 4.5 s.
const OPTIONS = { now: NOW, random: () => 0.25 };

type Expected =
  Exclude<ProviderOutcome, { code: 'ok' }> extends infer O
    ? O extends ProviderOutcome
      ? Omit<O, 'message'>
      : never
    : never;

const rateLimited = (
  window: 'minute' | 'day' | 'unknown',
  scope: 'instance' | 'model' | 'credential' | 'free-models',
  retryAfterMs: number,
  measure: 'requests' | 'tokens' | 'unknown',
  hinted = true,
): Expected => ({ code: 'rate_limited', window, scope, retryAfterMs, measure, hinted });

// Google's day quotas refill at midnight Pacific: 20 h after the tests' 12:00 UTC (04:00 PST).
const UNTIL_PACIFIC_MIDNIGHT = 20 * 3_600_000;

const table: [fixture: string, expected: Expected][] = [
  ['groq-429-tpd-35m19s', rateLimited('day', 'instance', 2_119_000, 'tokens')],
  ['groq-429-tpd-18m20.589s', rateLimited('day', 'instance', 1_101_000, 'tokens')],
  ['groq-429-reset-tokens-7.66s', rateLimited('minute', 'instance', 7_660, 'tokens')],
  ['groq-429-reset-requests-2m59.56s', rateLimited('day', 'instance', 179_560, 'requests')],
  ['mistral-429-retry-after-seconds', rateLimited('unknown', 'instance', 20_000, 'unknown')],
  ['openai-compatible-429-retry-after-http-date', rateLimited('unknown', 'instance', 90_000, 'unknown')],
  // Every part of a spelled-out or spaced duration counts: 90 s, not the first part's 60 s.
  [
    'openai-compatible-429-try-again-1-minute-30-seconds',
    rateLimited('minute', 'instance', 90_000, 'requests'),
  ],
  ['openai-compatible-429-try-again-1m-30s', rateLimited('minute', 'instance', 90_000, 'tokens')],
  ['openai-429-retry-after-ms', rateLimited('minute', 'instance', 1_535, 'tokens')],
  ['openai-429-insufficient-quota', { code: 'quota_exhausted' }],
  ['gemini-429-per-minute-retryinfo', rateLimited('minute', 'instance', 47_435, 'requests')],
  // A day quota waits for Google's daily refill, not for the seconds RetryInfo names.
  ['gemini-429-per-day', rateLimited('day', 'instance', UNTIL_PACIFIC_MIDNIGHT, 'requests')],
  ['gemini-429-per-day-retrydelay-38s', rateLimited('day', 'instance', UNTIL_PACIFIC_MIDNIGHT, 'requests')],
  [
    'gemini-openai-compat-429-array-per-day',
    rateLimited('day', 'instance', UNTIL_PACIFIC_MIDNIGHT, 'requests'),
  ],
  ['gemini-openai-compat-429-array-per-minute', rateLimited('minute', 'instance', 47_435, 'requests')],
  ['gemini-429-limit-0', { code: 'quota_exhausted' }],
  ['cerebras-429-tokens-minute', rateLimited('minute', 'instance', 11_383, 'tokens')],
  ['cerebras-429-requests-day', rateLimited('day', 'instance', 33_011_383, 'requests')],
  ['cerebras-429-queue-exceeded', { code: 'capacity', retryAfterMs: 4_500 }],
  ['anthropic-429-rfc3339-resets', rateLimited('minute', 'instance', 42_000, 'requests')],
  ['anthropic-429-retry-after', rateLimited('minute', 'instance', 20_000, 'tokens')],
  ['anthropic-529-overloaded', { code: 'capacity', retryAfterMs: 4_500 }],
  ['anthropic-400-prompt-too-long', { code: 'too_large' }],
  ['anthropic-400-credit-balance', { code: 'quota_exhausted' }],
  ['deepseek-402-insufficient-balance', { code: 'quota_exhausted' }],
  ['bare-429', rateLimited('unknown', 'instance', 27_000, 'unknown', false)],
  ['groq-413-request-too-large', { code: 'too_large' }],
  ['openai-400-context-length-exceeded', { code: 'too_large' }],
  ['openai-500-server-error', { code: 'server_error', status: 500 }],
  ['cloudflare-502-html', { code: 'server_error', status: 502 }],
  ['groq-503-service-unavailable', { code: 'server_error', status: 503 }],
  ['openai-401-invalid-api-key', { code: 'client_error', status: 401 }],
  ['groq-400-json-schema-unsupported', { code: 'client_error', status: 400 }],
  ['openrouter-429-upstream', rateLimited('unknown', 'model', 27_000, 'unknown', false)],
  // The free-model allowance binds the key's ":free" models, not its paid ones.
  ['openrouter-429-free-models-per-day', rateLimited('day', 'free-models', 43_200_000, 'requests')],
];

describe('parseOutcome over recorded provider answers', () => {
  it.each(table)('%s', (fixture, expected) => {
    const outcome = parseOutcome(asHttpError(loadRecordedAnswer(fixture)), OPTIONS);
    expect(outcome).toEqual({ ...expected, message: expect.any(String) });
  });

  it('covers every recorded error answer in the table', () => {
    const errors = recordedAnswerNames().filter((name) => loadRecordedAnswer(name).status >= 400);
    expect(table.map(([fixture]) => fixture).sort()).toEqual(errors);
  });

  it("carries the provider's own message, not the JSON around it", () => {
    const outcome = parseOutcome(asHttpError(loadRecordedAnswer('groq-429-tpd-35m19s')), OPTIONS);
    expect(outcome.code === 'rate_limited' && outcome.message).toMatch(/^Rate limit reached for model/);
    const upstream = parseOutcome(asHttpError(loadRecordedAnswer('openrouter-429-upstream')), OPTIONS);
    expect(upstream.code === 'rate_limited' && upstream.message).toContain('rate-limited upstream');
  });

  it('keeps non-JSON bodies as the message, shortened', () => {
    const huge = parseOutcome({
      kind: 'http_error',
      status: 500,
      headers: {},
      body: 'x'.repeat(5_000),
      latencyMs: 1,
    });
    expect(huge.code === 'server_error' && huge.message.length).toBe(500);
    const empty = parseOutcome({ kind: 'http_error', status: 404, headers: {}, body: '', latencyMs: 1 });
    expect(empty).toEqual({ code: 'client_error', status: 404, message: 'HTTP 404' });
  });
});

function http(status: number, body: unknown, headers: Record<string, string> = {}): ProviderAnswer {
  return {
    kind: 'http_error',
    status,
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    latencyMs: 1,
  };
}

describe('parseOutcome rules', () => {
  it('maps a successful answer to ok', () => {
    const ok: ProviderAnswer = { kind: 'ok', status: 200, headers: {}, content: '{}', latencyMs: 5 };
    expect(parseOutcome(ok)).toEqual({ code: 'ok' });
  });

  it('maps transport failures to timeout or network', () => {
    const transport = (failure: 'timeout' | 'connection' | 'aborted'): ProviderAnswer => ({
      kind: 'transport',
      failure,
      message: `failed: ${failure}`,
      latencyMs: 5,
    });
    expect(parseOutcome(transport('timeout'))).toEqual({ code: 'timeout', message: 'failed: timeout' });
    expect(parseOutcome(transport('connection'))).toEqual({ code: 'network', message: 'failed: connection' });
    expect(parseOutcome(transport('aborted'))).toEqual({ code: 'network', message: 'failed: aborted' });
  });

  it('reads header names case-insensitively', () => {
    const outcome = parseOutcome(http(429, '', { 'Retry-After': '7' }), OPTIONS);
    expect(outcome).toMatchObject({ code: 'rate_limited', retryAfterMs: 7_000, hinted: true });
  });

  it('takes the longest of several hints addressed to the rejection', () => {
    const body = { error: { message: 'Please try again in 12.5s.' } };
    const outcome = parseOutcome(http(429, body, { 'retry-after': '3', 'retry-after-ms': '4000' }), OPTIONS);
    expect(outcome).toMatchObject({ retryAfterMs: 12_500 });
  });

  it('prefers hints about this rejection to budget resets, even longer ones', () => {
    const headers = {
      'retry-after': '2',
      'x-ratelimit-remaining-tokens': '0',
      'x-ratelimit-reset-tokens': '50s',
    };
    expect(parseOutcome(http(429, '', headers), OPTIONS)).toMatchObject({
      retryAfterMs: 2_000,
      window: 'minute',
    });
  });

  it('does not park an instance for a day when no budget reads empty', () => {
    const headers = {
      'x-ratelimit-remaining-requests-day': '10',
      'x-ratelimit-reset-requests-day': '33011.38',
      'x-ratelimit-remaining-tokens-minute': '500',
      'x-ratelimit-reset-tokens-minute': '11.5',
    };
    expect(parseOutcome(http(429, '', headers), OPTIONS)).toMatchObject({
      retryAfterMs: 11_500,
      window: 'unknown',
    });
  });

  it('reads Groq request headers as per day when told the provider, even without x-groq-region', () => {
    const headers = { 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '1m' };
    expect(parseOutcome(http(429, '', headers), { ...OPTIONS, provider: 'groq' })).toMatchObject({
      window: 'day',
    });
    expect(parseOutcome(http(429, '', headers), { ...OPTIONS, provider: 'openai' })).toMatchObject({
      window: 'minute',
    });
  });

  it('widens the scope to the credential for an organization-wide limit across all models', () => {
    const body = {
      error: {
        message: 'Rate limit reached for organization org-abc on requests per min (RPM) across all models.',
      },
    };
    expect(parseOutcome(http(429, body), OPTIONS)).toMatchObject({ scope: 'credential', window: 'minute' });
  });

  it('widens the scope to the credential for a Gemini quota counted per project, not per model', () => {
    const body = [
      {
        error: {
          code: 429,
          status: 'RESOURCE_EXHAUSTED',
          message: 'Resource has been exhausted (e.g. check quota).',
          details: [
            {
              '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
              violations: [{ quotaId: 'GenerateRequestsPerMinutePerProject-FreeTier', quotaValue: '15' }],
            },
            { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '9s' },
          ],
        },
      },
    ];
    expect(parseOutcome(http(429, body), OPTIONS)).toEqual({
      code: 'rate_limited',
      scope: 'credential',
      window: 'minute',
      measure: 'requests',
      retryAfterMs: 9_000,
      hinted: true,
      message: 'Resource has been exhausted (e.g. check quota).',
    });
  });

  it('treats a Gemini violation with quotaValue "0" as exhausted quota', () => {
    const body = {
      error: {
        status: 'RESOURCE_EXHAUSTED',
        message: 'Quota exceeded.',
        details: [
          {
            '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
            violations: [{ quotaId: 'GenerateRequestsPerDayPerProjectPerModel-FreeTier', quotaValue: '0' }],
          },
        ],
      },
    };
    expect(parseOutcome(http(429, body), OPTIONS).code).toBe('quota_exhausted');
  });

  it('does not mistake "limit: 10" for a zero quota', () => {
    const body = { error: { message: 'Quota exceeded for metric: x, limit: 10, model: y' } };
    expect(parseOutcome(http(429, body), OPTIONS).code).toBe('rate_limited');
  });

  it('jitters the default wait by ±20% with the injected random and honours defaultRetryMs', () => {
    const at = (random: number, defaultRetryMs?: number) =>
      parseOutcome(http(429, ''), { now: NOW, random: () => random, defaultRetryMs });
    expect(at(0)).toMatchObject({ retryAfterMs: 24_000, hinted: false });
    expect(at(0.5)).toMatchObject({ retryAfterMs: 30_000 });
    expect(at(0.999_999)).toMatchObject({ retryAfterMs: 36_000 });
    expect(at(0.5, 10_000)).toMatchObject({ retryAfterMs: 10_000 });
  });

  it('uses a hint on a capacity answer when there is one', () => {
    const body = { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } };
    expect(parseOutcome(http(529, body, { 'retry-after': '3' }), OPTIONS)).toMatchObject({
      code: 'capacity',
      retryAfterMs: 3_000,
    });
  });

  it('maps 408 to a timeout and other 4xx to a client error', () => {
    expect(parseOutcome(http(408, ''), OPTIONS).code).toBe('timeout');
    expect(parseOutcome(http(422, { error: { message: 'bad schema' } }), OPTIONS)).toEqual({
      code: 'client_error',
      status: 422,
      message: 'bad schema',
    });
  });
});

describe('assertNever', () => {
  it('fails loudly when reached at run time', () => {
    expect(() => assertNever('surprise' as never, 'outcome')).toThrow('Unhandled outcome: "surprise"');
  });
});
