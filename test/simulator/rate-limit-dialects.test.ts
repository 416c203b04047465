import { createSimulator, type Dialect, type SimModelConfig, type Simulator } from '@spillway/simulator';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';

const T0 = Date.UTC(2026, 10, 22, 8, 0, 0);
const HINT_HEADER = /ratelimit|retry-after/i;

let sim: Simulator | undefined;
let now = T0;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function start(model: Omit<SimModelConfig, 'latencyMs'>): Promise<Simulator> {
  now = T0;
  sim = await createSimulator({ models: { m: model }, clock: () => now });
  return sim;
}

function client(s: Simulator): OpenAI {
  return new OpenAI({ baseURL: s.url, apiKey: 'test', maxRetries: 0 });
}

function ask(s: Simulator) {
  return client(s).chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hello' }] });
}

/** The SDK's error for a request the simulator must refuse. */
async function refused(s: Simulator): Promise<InstanceType<typeof OpenAI.RateLimitError>> {
  const error = await ask(s).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(OpenAI.RateLimitError);
  const rateLimit = error as InstanceType<typeof OpenAI.RateLimitError>;
  expect(rateLimit).toBeInstanceOf(OpenAI.APIError);
  expect(rateLimit.status).toBe(429);
  return rateLimit;
}

/** The same refusal seen without the SDK, to read the raw body. */
async function rawRefusal(s: Simulator): Promise<{ status: number; headers: Headers; text: string }> {
  const res = await fetch(`${s.url}/chat/completions`, {
    method: 'POST',
    headers: { authorization: 'Bearer test', 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hello' }] }),
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

function hints(headers: Headers): Record<string, string> {
  return Object.fromEntries([...headers.entries()].filter(([name]) => HINT_HEADER.test(name)));
}

/** Two requests 1.46 s apart fill an rpm of 2; the refusal comes 1.46 s after the first. */
async function fillMinute(s: Simulator): Promise<number> {
  await ask(s);
  now = T0 + 700;
  await ask(s);
  now = T0 + 1460;
  return s.stats().m!.tokensAt.reduce((sum, [, tokens]) => sum + tokens, 0);
}

// Every dialect gets the same windows so the headers can be compared family by family.
const LIMITS = { rpm: 2, rpd: 100, tpm: 100_000 };
const RETRY_MS = 60_000 - 1460;

describe('rate limit answers per dialect (rpm exceeded)', () => {
  it('groq: retry-after, per-day request and per-minute token headers, and the Groq message', async () => {
    const s = await start({ ...LIMITS, dialect: 'groq' });
    const used = await fillMinute(s);
    const error = await refused(s);
    expect(hints(error.headers)).toEqual({
      'retry-after': '59',
      'x-ratelimit-limit-requests': '100',
      'x-ratelimit-remaining-requests': '98',
      'x-ratelimit-reset-requests': '23h59m58.54s',
      'x-ratelimit-limit-tokens': '100000',
      'x-ratelimit-remaining-tokens': String(100_000 - used),
      'x-ratelimit-reset-tokens': '58.54s',
    });
    const raw = await rawRefusal(s);
    expect(JSON.parse(raw.text)).toEqual({
      error: {
        message:
          'Rate limit reached for model `m` in organization `org_01sim` service tier `on_demand` on requests per minute (RPM): Limit 2, Used 2, Requested 1. Please try again in 58.54s. Visit https://console.groq.com/docs/rate-limits for more information.',
        type: 'requests',
        code: 'rate_limit_exceeded',
      },
    });
    expect(error.code).toBe('rate_limit_exceeded');
  });

  it('openai: retry-after, per-minute x-ratelimit headers, and the OpenAI message', async () => {
    const s = await start({ ...LIMITS, dialect: 'openai' });
    const used = await fillMinute(s);
    const error = await refused(s);
    expect(hints(error.headers)).toEqual({
      'retry-after': '59',
      'x-ratelimit-limit-requests': '2',
      'x-ratelimit-remaining-requests': '0',
      'x-ratelimit-reset-requests': '58.54s',
      'x-ratelimit-limit-tokens': '100000',
      'x-ratelimit-remaining-tokens': String(100_000 - used),
      'x-ratelimit-reset-tokens': '58.54s',
    });
    expect(JSON.parse((await rawRefusal(s)).text)).toEqual({
      error: {
        message:
          'Rate limit reached for m in organization org-sim on requests per min (RPM): Limit 2, Used 2, Requested 1. Please try again in 58.54s. Visit https://platform.openai.com/account/rate-limits to learn more.',
        type: 'requests',
        param: null,
        code: 'rate_limit_exceeded',
      },
    });
    expect(error.type).toBe('requests');
  });

  it('gemini: a JSON array body with QuotaFailure and RetryInfo, and no hint headers', async () => {
    const s = await start({ ...LIMITS, dialect: 'gemini' });
    await fillMinute(s);
    const error = await refused(s);
    expect(hints(error.headers)).toEqual({});
    const raw = await rawRefusal(s);
    expect(raw.status).toBe(429);
    const body = JSON.parse(raw.text);
    expect(Array.isArray(body)).toBe(true);
    expect(body).toHaveLength(1);
    expect(body[0].error).toMatchObject({ code: 429, status: 'RESOURCE_EXHAUSTED' });
    expect(body[0].error.message).toMatch(
      /^You exceeded your current quota, please check your plan and billing details\./,
    );
    expect(body[0].error.message).toContain('limit: 2, model: m');
    expect(body[0].error.details).toEqual([
      {
        '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
        violations: [
          {
            quotaMetric: 'generativelanguage.googleapis.com/generate_content_free_tier_requests',
            quotaId: 'GenerateRequestsPerMinutePerProjectPerModel-FreeTier',
            quotaDimensions: { location: 'global', model: 'm' },
            quotaValue: '2',
          },
        ],
      },
      {
        '@type': 'type.googleapis.com/google.rpc.Help',
        links: [
          {
            description: 'Learn more about Gemini API quotas',
            url: 'https://ai.google.dev/gemini-api/docs/rate-limits',
          },
        ],
      },
      { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '59s' },
    ]);
  });

  it('cerebras: retry-after, day/minute headers in float seconds, and the top-level quota body', async () => {
    const s = await start({ ...LIMITS, dialect: 'cerebras' });
    const used = await fillMinute(s);
    const error = await refused(s);
    expect(hints(error.headers)).toEqual({
      'retry-after': '59',
      'x-ratelimit-limit-requests-day': '100',
      'x-ratelimit-remaining-requests-day': '98',
      'x-ratelimit-reset-requests-day': String((86_400_000 - 1460) / 1000),
      'x-ratelimit-limit-tokens-minute': '100000',
      'x-ratelimit-remaining-tokens-minute': String(100_000 - used),
      'x-ratelimit-reset-tokens-minute': String(RETRY_MS / 1000),
    });
    expect(JSON.parse((await rawRefusal(s)).text)).toEqual({
      message: 'Requests per minute limit exceeded - too many requests sent.',
      type: 'too_many_requests_error',
      param: 'quota',
      code: 'request_quota_exceeded',
    });
  });

  it('anthropic: retry-after, RFC 3339 reset headers, and the rate_limit_error body', async () => {
    const s = await start({ ...LIMITS, dialect: 'anthropic' });
    const used = await fillMinute(s);
    const error = await refused(s);
    expect(hints(error.headers)).toEqual({
      'retry-after': '59',
      'anthropic-ratelimit-requests-limit': '2',
      'anthropic-ratelimit-requests-remaining': '0',
      // 08:00:01.460 + 58.54 s = 08:01:00 exactly.
      'anthropic-ratelimit-requests-reset': '2026-11-22T08:01:00Z',
      'anthropic-ratelimit-tokens-limit': '100000',
      'anthropic-ratelimit-tokens-remaining': String(100_000 - used),
      'anthropic-ratelimit-tokens-reset': '2026-11-22T08:01:00Z',
    });
    expect(JSON.parse((await rawRefusal(s)).text)).toEqual({
      type: 'error',
      error: {
        type: 'rate_limit_error',
        message:
          'This request would exceed the rate limit for your organization (sim) of 2 requests per minute. For details, refer to: https://docs.claude.com/en/api/rate-limits. You can see the response headers for current usage. Please reduce the prompt length or the maximum tokens requested, or try again later. You may also contact sales at https://www.anthropic.com/contact-sales to discuss your options for a rate limit increase.',
      },
    });
  });

  it('bare: a plain-text 429 with no hint headers at all', async () => {
    const s = await start({ ...LIMITS, dialect: 'bare' });
    await fillMinute(s);
    const error = await refused(s);
    expect(hints(error.headers)).toEqual({});
    const raw = await rawRefusal(s);
    expect(raw.text).toBe('Too Many Requests');
    expect(raw.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(hints(raw.headers)).toEqual({});
  });
});

/** Fills a window of 2 with two requests, then asks again 10 minutes later. */
async function fillAndWait(s: Simulator): Promise<void> {
  await ask(s);
  now = T0 + 1000;
  await ask(s);
  now = T0 + 10 * 60_000;
}

describe('rate limit answers per dialect (daily and token windows)', () => {
  const DAY_LEFT = '23h50m0s';

  it.each<[Dialect, (body: string) => void]>([
    [
      'groq',
      (b) =>
        expect(b).toContain(
          `requests per day (RPD): Limit 2, Used 2, Requested 1. Please try again in ${DAY_LEFT}.`,
        ),
    ],
    [
      'openai',
      (b) =>
        expect(b).toContain(
          `requests per day (RPD): Limit 2, Used 2, Requested 1. Please try again in ${DAY_LEFT}.`,
        ),
    ],
    ['gemini', (b) => expect(b).toContain('"quotaId":"GenerateRequestsPerDayPerProjectPerModel-FreeTier"')],
    [
      'cerebras',
      (b) => expect(JSON.parse(b).message).toBe('Requests per day limit exceeded - too many requests sent.'),
    ],
    ['anthropic', (b) => expect(b).toContain('of 2 requests per day.')],
  ])('%s words an exhausted daily request budget as per day', async (dialect, check) => {
    const s = await start({ rpm: 100, rpd: 2, dialect });
    await fillAndWait(s);
    await refused(s);
    const raw = await rawRefusal(s);
    check(raw.text);
    if (dialect !== 'gemini') expect(raw.headers.get('retry-after')).toBe(String(23 * 3600 + 50 * 60));
    if (dialect === 'gemini') expect(raw.text).toContain(`"retryDelay":"${23 * 3600 + 50 * 60}s"`);
  });

  it('groq reports the per-day window in its requests headers', async () => {
    const s = await start({ rpm: 100, rpd: 2, dialect: 'groq' });
    await fillAndWait(s);
    const error = await refused(s);
    expect(error.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(error.headers.get('x-ratelimit-reset-requests')).toBe(DAY_LEFT);
  });

  // A plain "hello" costs 28 tokens, so a budget of 60 holds two; the first leaving (at 60 s) makes room.
  it.each<[Dialect, (body: string) => void]>([
    [
      'groq',
      (b) => expect(JSON.parse(b).error).toMatchObject({ type: 'tokens', code: 'rate_limit_exceeded' }),
    ],
    [
      'groq',
      (b) =>
        expect(b).toMatch(
          /on tokens per minute \(TPM\): Limit 60, Used \d+, Requested \d+\. Please try again in 40s\./,
        ),
    ],
    [
      'openai',
      (b) =>
        expect(b).toMatch(
          /on tokens per min \(TPM\): Limit 60, Used \d+, Requested \d+\. Please try again in 40s\./,
        ),
    ],
    ['openai', (b) => expect(JSON.parse(b).error.type).toBe('tokens')],
    [
      'gemini',
      (b) => expect(b).toContain('"quotaId":"GenerateContentInputTokensPerModelPerMinute-FreeTier"'),
    ],
    ['gemini', (b) => expect(b).toContain('generate_content_free_tier_input_token_count')],
    [
      'cerebras',
      (b) =>
        expect(JSON.parse(b)).toMatchObject({
          code: 'token_quota_exceeded',
          message: 'Tokens per minute limit exceeded - too many tokens processed.',
        }),
    ],
    ['anthropic', (b) => expect(b).toContain('of 60 input tokens per minute.')],
  ])('%s words an exhausted per-minute token budget as tokens', async (dialect, check) => {
    const s = await start({ tpm: 60, dialect });
    await ask(s);
    now = T0 + 10_000;
    await ask(s);
    now = T0 + 20_000;
    await refused(s);
    check((await rawRefusal(s)).text);
  });

  it.each<[Dialect, string]>([
    ['groq', 'tokens per day (TPD)'],
    ['openai', 'tokens per day (TPD)'],
    ['gemini', 'GenerateContentInputTokensPerModelPerDay-FreeTier'],
    ['cerebras', 'Tokens per day limit exceeded - too many tokens processed.'],
    ['anthropic', 'input tokens per day'],
  ])('%s words an exhausted daily token budget as per day', async (dialect, wording) => {
    const s = await start({ tpd: 60, dialect });
    await fillAndWait(s);
    await refused(s);
    expect((await rawRefusal(s)).text).toContain(wording);
  });
});
