import { createSimulator, maxInWindow, maxTokensInWindow, type Simulator } from '@spillway/simulator';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';

const T0 = 1_800_000_000_000;
const MINUTE = 60_000;

let sim: Simulator | undefined;
let now = T0;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function start(models: Parameters<typeof createSimulator>[0]['models']): Promise<OpenAI> {
  now = T0;
  sim = await createSimulator({ models, clock: () => now });
  return new OpenAI({ baseURL: sim.url, apiKey: 'test', maxRetries: 0 });
}

/** 'ok', or the retry-after a 429 announced. */
async function attempt(client: OpenAI, model = 'm'): Promise<'ok' | number> {
  try {
    await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hello' }] });
    return 'ok';
  } catch (err) {
    if (err instanceof OpenAI.RateLimitError) return Number(err.headers?.get('retry-after'));
    throw err;
  }
}

describe('sliding windows on the injected clock', () => {
  it('gives each credential its own limits on a model, as real providers do', async () => {
    const first = await start({ m: { rpm: 2, dialect: 'openai' } });
    const second = new OpenAI({ baseURL: sim!.url, apiKey: 'another-key', maxRetries: 0 });
    expect(await attempt(first)).toBe('ok');
    expect(await attempt(first)).toBe('ok');
    expect(await attempt(first)).toBeTypeOf('number');
    // The other key's window on the same model is empty: its two calls pass, then it is limited too.
    expect(await attempt(second)).toBe('ok');
    expect(await attempt(second)).toBe('ok');
    expect(await attempt(second)).toBeTypeOf('number');
    expect(sim!.stats().m).toMatchObject({ accepted: 4, rateLimited: 2 });
  });

  it('accepts again once the oldest request has left the minute, and not a millisecond before', async () => {
    const client = await start({ m: { rpm: 3, dialect: 'openai' } });
    for (const at of [0, 10_000, 20_000]) {
      now = T0 + at;
      expect(await attempt(client)).toBe('ok');
    }
    now = T0 + 30_000;
    expect(await attempt(client)).toBe(30);
    now = T0 + MINUTE - 1;
    expect(await attempt(client)).toBe(1);
    now = T0 + MINUTE;
    expect(await attempt(client)).toBe('ok');
  });

  it('does not count refused requests against the window', async () => {
    const client = await start({ m: { rpm: 2, dialect: 'groq' } });
    expect(await attempt(client)).toBe('ok');
    now = T0 + 5_000;
    expect(await attempt(client)).toBe('ok');
    // Many refusals in between: if they counted, the window would stay full long after 65 s.
    for (let i = 0; i < 10; i++) {
      now = T0 + 10_000 + i * 1000;
      expect(await attempt(client)).toBeTypeOf('number');
    }
    now = T0 + MINUTE;
    expect(await attempt(client)).toBe('ok');
    now = T0 + MINUTE + 5_000;
    expect(await attempt(client)).toBe('ok');
    expect(sim!.stats().m).toMatchObject({ accepted: 4, rateLimited: 10 });
  });

  it('admits exactly the limit out of a concurrent burst', async () => {
    const client = await start({ m: { rpm: 5, dialect: 'openai' } });
    const results = await Promise.all(Array.from({ length: 20 }, () => attempt(client)));
    expect(results.filter((r) => r === 'ok')).toHaveLength(5);
    expect(results.filter((r) => r === 60)).toHaveLength(15);
    const stats = sim!.stats().m!;
    expect(stats).toMatchObject({ accepted: 5, rateLimited: 15 });
    expect(maxInWindow(stats.acceptedAt, MINUTE)).toBe(5);
  });

  it('never lets more than the limits into any window under bursts spread over simulated minutes', async () => {
    const client = await start({ m: { rpm: 7, tpm: 150, rpd: 40, dialect: 'cerebras' } });
    for (let step = 0; step < 30; step++) {
      now = T0 + step * 9_000;
      await Promise.all(Array.from({ length: 4 }, () => attempt(client)));
    }
    const stats = sim!.stats().m!;
    expect(stats.accepted).toBeGreaterThan(20);
    expect(stats.rateLimited).toBeGreaterThan(0);
    expect(maxInWindow(stats.acceptedAt, MINUTE)).toBeLessThanOrEqual(7);
    expect(maxTokensInWindow(stats.tokensAt, MINUTE)).toBeLessThanOrEqual(150);
    expect(maxInWindow(stats.acceptedAt, 86_400_000)).toBeLessThanOrEqual(40);
    expect(stats.accepted + stats.rateLimited).toBe(120);
  });

  it('keeps each model in its own windows', async () => {
    const client = await start({ a: { rpm: 1, dialect: 'openai' }, b: { rpm: 1, dialect: 'openai' } });
    expect(await attempt(client, 'a')).toBe('ok');
    expect(await attempt(client, 'b')).toBe('ok');
    expect(await attempt(client, 'a')).toBe(60);
  });

  it('reset() forgets the windows and the stats', async () => {
    const client = await start({ m: { rpm: 1, dialect: 'openai' } });
    expect(await attempt(client)).toBe('ok');
    expect(await attempt(client)).toBe(60);
    sim!.reset();
    expect(sim!.stats().m).toEqual({
      accepted: 0,
      rateLimited: 0,
      faults: 0,
      acceptedAt: [],
      tokensAt: [],
      peakInFlight: 0,
      queueExceeded: 0,
    });
    expect(await attempt(client)).toBe('ok');
  });
});

describe('success headers', () => {
  it('count the remaining requests and tokens down with each accepted request', async () => {
    const client = await start({ m: { rpm: 5, tpm: 1_000, dialect: 'openai' } });
    const seen: Array<{ requests: number; tokens: number; reset: string | null }> = [];
    for (let i = 0; i < 3; i++) {
      now = T0 + i * 1_000;
      const { response, data } = await client.chat.completions
        .create({ model: 'm', messages: [{ role: 'user', content: 'hello' }] })
        .withResponse();
      seen.push({
        requests: Number(response.headers.get('x-ratelimit-remaining-requests')),
        tokens: Number(response.headers.get('x-ratelimit-remaining-tokens')),
        reset: response.headers.get('x-ratelimit-reset-requests'),
      });
      expect(data.usage?.total_tokens).toBeGreaterThan(0);
    }
    expect(seen.map((s) => s.requests)).toEqual([4, 3, 2]);
    const perRequest = sim!.stats().m!.tokensAt[0]![1];
    expect(seen.map((s) => s.tokens)).toEqual([
      1_000 - perRequest,
      1_000 - 2 * perRequest,
      1_000 - 3 * perRequest,
    ]);
    // The reset counts down to when the oldest request leaves the minute.
    expect(seen.map((s) => s.reset)).toEqual(['1m0s', '59s', '58s']);
  });

  it('are left out for a model configured without them', async () => {
    const client = await start({ m: { rpm: 5, dialect: 'groq', sendRemainingHeaders: false } });
    const { response } = await client.chat.completions
      .create({ model: 'm', messages: [{ role: 'user', content: 'hello' }] })
      .withResponse();
    expect([...response.headers.keys()].filter((h) => h.includes('ratelimit'))).toEqual([]);
  });
});

describe('requests no window can hold', () => {
  it('answers Groq 413 "Request too large" for more tokens than the per-minute budget', async () => {
    const client = await start({ m: { tpm: 10, dialect: 'groq' } });
    const error = await client.chat.completions
      .create({ model: 'm', messages: [{ role: 'user', content: 'hello' }] })
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(413);
    expect((error as InstanceType<typeof OpenAI.APIError>).message).toContain(
      'Request too large for model `m` in organization `org_01sim` service tier `on_demand` on tokens per minute (TPM): Limit 10, Requested 28',
    );
    expect(sim!.stats().m!.accepted).toBe(0);
  });

  it('refuses every request of a zero budget, as a key without quota gets', async () => {
    const client = await start({ m: { rpm: 0, dialect: 'gemini' } });
    const raw = await fetch(`${sim!.url}/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer test', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hello' }] }),
    });
    expect(raw.status).toBe(429);
    expect(await raw.text()).toContain('limit: 0, model: m');
    const error = await client.chat.completions
      .create({ model: 'm', messages: [{ role: 'user', content: 'hello' }] })
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    // Gemini gives no Retry-After: the hint lives only in the body.
    expect((error as InstanceType<typeof OpenAI.RateLimitError>).headers?.get('retry-after')).toBeNull();
    expect(sim!.stats().m).toMatchObject({ accepted: 0, rateLimited: 2 });
  });
});

describe('maxInWindow', () => {
  it('counts the most timestamps in any half-open window', () => {
    expect(maxInWindow([], MINUTE)).toBe(0);
    expect(maxInWindow([0, 59_999, 60_000], MINUTE)).toBe(2);
    expect(maxInWindow([0, 1, 2, 60_001, 60_002], MINUTE)).toBe(3);
    expect(maxInWindow([100, 0, 50, 59_999], MINUTE)).toBe(4);
  });

  it('weighs tokens with maxTokensInWindow', () => {
    expect(
      maxTokensInWindow(
        [
          [0, 10],
          [30_000, 20],
          [61_000, 5],
        ],
        MINUTE,
      ),
    ).toBe(30);
  });
});
