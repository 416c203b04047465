import { createOpenAiCompatibleAdapter, type ProviderAnswer, parseOutcome, Secret } from '@spillway/core';
import { describe, expect, it } from 'vitest';
import { loadRecordedAnswer, recordedAnswerNames } from '../signals/recorded-answers.js';
import {
  replay,
  resetConnection,
  serverPerTest,
  silent,
  stallAfterHeaders,
  startServer,
} from './replay-server.js';
import { API_KEY, chatRequest, steppingClock, testInstance } from './test-instances.js';

const serve = serverPerTest();

function adapter(timeoutMs = 2_000) {
  return createOpenAiCompatibleAdapter({
    fetch: globalThis.fetch,
    timeoutMs,
    now: steppingClock(1_000, 250),
  });
}

const neverAborted = (): AbortSignal => new AbortController().signal;

const errorFixtures = recordedAnswerNames().filter((name) => loadRecordedAnswer(name).status >= 400);

function lowerCased(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}

describe('OpenAI-compatible adapter: HTTP errors', () => {
  it.each(errorFixtures)('returns %s with its exact status, headers and raw body', async (fixture) => {
    const recorded = loadRecordedAnswer(fixture);
    const server = await serve(replay(recorded));
    const answer = await adapter().call(
      testInstance('groq', `${server.origin}/openai/v1`),
      chatRequest,
      neverAborted(),
    );
    expect(answer).toMatchObject({ kind: 'http_error', status: recorded.status, body: recorded.body });
    expect(answer.kind === 'http_error' && answer.headers).toMatchObject(lowerCased(recorded.headers));
  });

  it("keeps Gemini's array body intact, so the signal parser can still read it", async () => {
    const recorded = loadRecordedAnswer('gemini-openai-compat-429-array-per-day');
    const server = await serve(replay(recorded));
    const instance = testInstance('gemini', `${server.origin}/v1beta/openai`);
    const answer = await adapter().call(instance, chatRequest, neverAborted());
    expect(answer.kind === 'http_error' && answer.body.trimStart().startsWith('[')).toBe(true);
    expect(parseOutcome(answer, { now: Date.parse('2025-01-15T12:00:00Z') })).toMatchObject({
      code: 'rate_limited',
      window: 'day',
      // A day quota refills at midnight Pacific (20 h after 12:00 UTC), not after RetryInfo's seconds.
      retryAfterMs: 20 * 3_600_000,
    });
  });
});

describe('OpenAI-compatible adapter: successful answers', () => {
  it.each([
    ['openai', 'openai-chat-completion-ok', { promptTokens: 211, completionTokens: 55, totalTokens: 266 }],
    ['groq', 'groq-chat-completion-ok', { promptTokens: 245, completionTokens: 61, totalTokens: 306 }],
    ['gemini', 'gemini-openai-compat-ok', { promptTokens: 230, completionTokens: 58, totalTokens: 288 }],
  ] as const)('returns the %s content, usage and headers', async (type, fixture, usage) => {
    const recorded = loadRecordedAnswer(fixture);
    const server = await serve(replay(recorded));
    const answer = await adapter().call(
      testInstance(type, `${server.origin}/v1`),
      chatRequest,
      neverAborted(),
    );
    const content = (JSON.parse(recorded.body) as { choices: { message: { content: string } }[] }).choices[0]
      ?.message.content;
    expect(answer).toMatchObject({ kind: 'ok', status: 200, content, usage, latencyMs: 250 });
    expect(answer.kind === 'ok' && answer.headers).toMatchObject(lowerCased(recorded.headers));
  });

  it('asks for strict json_schema output at {baseUrl}/chat/completions with the bearer key', async () => {
    const server = await serve(replay(loadRecordedAnswer('groq-chat-completion-ok')));
    const instance = testInstance('groq', `${server.origin}/openai/v1`, { model: 'llama-3.1-8b-instant' });
    await adapter().call(instance, { ...chatRequest, maxTokens: 900 }, neverAborted());
    const [request] = server.received;
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe('/openai/v1/chat/completions');
    expect(request?.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(request?.headers['openai-organization']).toBeUndefined();
    expect(JSON.parse(request?.body ?? '')).toEqual({
      model: 'llama-3.1-8b-instant',
      messages: [
        { role: 'system', content: chatRequest.system },
        { role: 'user', content: chatRequest.user },
      ],
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'plan', schema: chatRequest.jsonSchema, strict: true },
      },
      max_completion_tokens: 900,
    });
  });

  it('sends max_tokens to providers that do not know max_completion_tokens', async () => {
    const server = await serve(replay(loadRecordedAnswer('gemini-openai-compat-ok')));
    await adapter().call(
      testInstance('mistral', `${server.origin}/v1`),
      { ...chatRequest, maxTokens: 700 },
      neverAborted(),
    );
    const body = JSON.parse(server.received[0]?.body ?? '') as Record<string, unknown>;
    expect(body.max_tokens).toBe(700);
    expect(body).not.toHaveProperty('max_completion_tokens');
  });

  it("sends each instance's own key through one shared adapter", async () => {
    const server = await serve(replay(loadRecordedAnswer('openai-chat-completion-ok')));
    const shared = adapter();
    const first = testInstance('openai', `${server.origin}/v1`, { id: 'openai-a/m' });
    const second = testInstance('openai', `${server.origin}/v1`, {
      id: 'openai-b/m',
      apiKey: new Secret('sk-other'),
    });
    await shared.call(first, chatRequest, neverAborted());
    await shared.call(second, chatRequest, neverAborted());
    await shared.call(first, chatRequest, neverAborted());
    expect(server.received.map((request) => request.headers.authorization)).toEqual([
      `Bearer ${API_KEY}`,
      'Bearer sk-other',
      `Bearer ${API_KEY}`,
    ]);
  });
});

describe('OpenAI-compatible adapter: transport failures', () => {
  it('reports a timeout when the server never answers', async () => {
    const server = await serve(silent);
    const answer = await adapter(200).call(
      testInstance('openai', `${server.origin}/v1`),
      chatRequest,
      neverAborted(),
    );
    expect(answer).toMatchObject({ kind: 'transport', failure: 'timeout' });
  });

  it('reports a timeout when the body stalls after the headers', async () => {
    const server = await serve(stallAfterHeaders);
    const answer = await adapter(200).call(
      testInstance('openai', `${server.origin}/v1`),
      chatRequest,
      neverAborted(),
    );
    expect(answer).toMatchObject({ kind: 'transport', failure: 'timeout' });
  });

  it("reports an abort when the caller's signal fires", async () => {
    const server = await serve(silent);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const answer = await adapter(5_000).call(
      testInstance('openai', `${server.origin}/v1`),
      chatRequest,
      controller.signal,
    );
    expect(answer).toMatchObject({ kind: 'transport', failure: 'aborted' });
  });

  it('reports an abort without sending anything when the signal has already fired', async () => {
    const server = await serve(silent);
    const answer = await adapter().call(
      testInstance('openai', `${server.origin}/v1`),
      chatRequest,
      AbortSignal.abort(),
    );
    expect(answer).toMatchObject({ kind: 'transport', failure: 'aborted' });
    expect(server.received).toHaveLength(0);
  });

  it('reports a connection failure when the server resets the connection', async () => {
    const server = await serve(resetConnection);
    const answer = await adapter().call(
      testInstance('openai', `${server.origin}/v1`),
      chatRequest,
      neverAborted(),
    );
    expect(answer).toMatchObject({ kind: 'transport', failure: 'connection' });
  });

  it('reports a connection failure when nothing listens, naming the base URL it could not reach', async () => {
    const server = await startServer(silent);
    await server.close();
    const answer = await adapter().call(
      testInstance('openai', `${server.origin}/v1`),
      chatRequest,
      neverAborted(),
    );
    expect(answer).toMatchObject({ kind: 'transport', failure: 'connection' });
    expect(answer.kind === 'transport' && answer.message).toMatch(
      new RegExp(`^${server.origin}/v1: .*ECONNREFUSED`),
    );
  });
});

describe('OpenAI-compatible adapter: the API key', () => {
  it('never appears in any answer, even when the server echoes it', async () => {
    const echo = await serve((request, response, received) => {
      response.writeHead(401, {
        'content-type': 'application/json',
        'x-echo': String(request.headers.authorization),
      });
      response.end(
        JSON.stringify({
          error: { message: `Incorrect API key provided: ${received.headers.authorization}` },
        }),
      );
    });
    const ok = await serve(replay(loadRecordedAnswer('openai-chat-completion-ok')));
    const reset = await serve(resetConnection);
    const answers: ProviderAnswer[] = [];
    for (const server of [echo, ok, reset]) {
      answers.push(
        await adapter().call(testInstance('openai', `${server.origin}/v1`), chatRequest, neverAborted()),
      );
    }
    expect(answers.map((answer) => answer.kind)).toEqual(['http_error', 'ok', 'transport']);
    expect(echo.received[0]?.headers.authorization).toBe(`Bearer ${API_KEY}`);
    for (const answer of answers) expect(JSON.stringify(answer)).not.toContain(API_KEY);
    expect(answers[0]?.kind === 'http_error' && answers[0].body).toContain('[redacted]');
  });
});
