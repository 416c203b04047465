import { createAnthropicAdapter, type ProviderAnswer, parseOutcome } from '@spillway/core';
import { describe, expect, it } from 'vitest';
import { loadRecordedAnswer } from '../signals/recorded-answers.js';
import {
  replay,
  resetConnection,
  serverPerTest,
  silent,
  stallAfterHeaders,
  type TestServer,
} from './replay-server.js';
import { API_KEY, chatRequest, steppingClock, testInstance } from './test-instances.js';

const serve = serverPerTest();

function adapter(timeoutMs = 2_000) {
  return createAnthropicAdapter({ fetch: globalThis.fetch, timeoutMs, now: steppingClock(5_000, 300) });
}

const neverAborted = (): AbortSignal => new AbortController().signal;

const anthropicAt = (server: TestServer) => testInstance('anthropic', `${server.origin}/v1/`);

describe('Anthropic adapter', () => {
  it('returns the forced tool input as the content, with usage and headers', async () => {
    const recorded = loadRecordedAnswer('anthropic-messages-tool-use-ok');
    const server = await serve(replay(recorded));
    const answer = await adapter().call(anthropicAt(server), chatRequest, neverAborted());
    const toolInput = (JSON.parse(recorded.body) as { content: { input: unknown }[] }).content[0]?.input;
    expect(answer).toMatchObject({
      kind: 'ok',
      status: 200,
      content: JSON.stringify(toolInput),
      usage: { promptTokens: 402, completionTokens: 88, totalTokens: 490 },
      latencyMs: 300,
    });
    expect(answer.kind === 'ok' && answer.headers).toMatchObject(recorded.headers);
  });

  it('posts a Messages request with one forced tool built from the schema', async () => {
    const server = await serve(replay(loadRecordedAnswer('anthropic-messages-tool-use-ok')));
    await adapter().call(anthropicAt(server), chatRequest, neverAborted());
    await adapter().call(anthropicAt(server), { ...chatRequest, maxTokens: 1_200 }, neverAborted());
    const [first, second] = server.received;
    expect(first?.method).toBe('POST');
    expect(first?.path).toBe('/v1/messages');
    expect(first?.headers['x-api-key']).toBe(API_KEY);
    expect(first?.headers['anthropic-version']).toBe('2023-06-01');
    expect(first?.headers.authorization).toBeUndefined();
    expect(JSON.parse(first?.body ?? '')).toEqual({
      model: 'test-model',
      max_tokens: 4096,
      system: chatRequest.system,
      messages: [{ role: 'user', content: chatRequest.user }],
      tools: [{ name: 'plan', input_schema: chatRequest.jsonSchema }],
      tool_choice: { type: 'tool', name: 'plan' },
    });
    expect(JSON.parse(second?.body ?? '')).toMatchObject({ max_tokens: 1_200 });
  });

  it.each([
    'anthropic-429-rfc3339-resets',
    'anthropic-429-retry-after',
    'anthropic-529-overloaded',
    'anthropic-400-prompt-too-long',
    'anthropic-400-credit-balance',
    'cloudflare-502-html',
  ])('returns %s with its exact status, headers and raw body', async (fixture) => {
    const recorded = loadRecordedAnswer(fixture);
    const server = await serve(replay(recorded));
    const answer = await adapter().call(anthropicAt(server), chatRequest, neverAborted());
    expect(answer).toMatchObject({ kind: 'http_error', status: recorded.status, body: recorded.body });
    expect(answer.kind === 'http_error' && answer.headers).toMatchObject(recorded.headers);
  });

  it('hands the signal parser what it needs to read an RFC 3339 reset', async () => {
    const server = await serve(replay(loadRecordedAnswer('anthropic-429-rfc3339-resets')));
    const answer = await adapter().call(anthropicAt(server), chatRequest, neverAborted());
    expect(parseOutcome(answer, { now: Date.parse('2025-01-15T12:00:00Z') })).toMatchObject({
      code: 'rate_limited',
      retryAfterMs: 42_000,
    });
  });

  it('treats a 2xx answer that is not JSON as a broken connection', async () => {
    const server = await serve((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end('<html>captive portal</html>');
    });
    const answer = await adapter().call(anthropicAt(server), chatRequest, neverAborted());
    expect(answer).toMatchObject({ kind: 'transport', failure: 'connection' });
  });

  it('reports a timeout when the server never answers', async () => {
    const server = await serve(silent);
    expect(await adapter(200).call(anthropicAt(server), chatRequest, neverAborted())).toMatchObject({
      kind: 'transport',
      failure: 'timeout',
    });
  });

  it('reports a timeout when the body stalls after the headers', async () => {
    const server = await serve(stallAfterHeaders);
    expect(await adapter(200).call(anthropicAt(server), chatRequest, neverAborted())).toMatchObject({
      kind: 'transport',
      failure: 'timeout',
    });
  });

  it("reports an abort when the caller's signal fires", async () => {
    const server = await serve(silent);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    expect(await adapter(5_000).call(anthropicAt(server), chatRequest, controller.signal)).toMatchObject({
      kind: 'transport',
      failure: 'aborted',
    });
  });

  it('reports a connection failure when the server resets the connection', async () => {
    const server = await serve(resetConnection);
    expect(await adapter().call(anthropicAt(server), chatRequest, neverAborted())).toMatchObject({
      kind: 'transport',
      failure: 'connection',
    });
  });

  it('never lets the key into an answer, even when the server echoes it', async () => {
    const echo = await serve((_request, response, received) => {
      response.writeHead(401, {
        'content-type': 'application/json',
        'x-echo': String(received.headers['x-api-key']),
      });
      response.end(
        JSON.stringify({
          type: 'error',
          error: {
            type: 'authentication_error',
            message: `invalid x-api-key ${received.headers['x-api-key']}`,
          },
        }),
      );
    });
    const ok = await serve(replay(loadRecordedAnswer('anthropic-messages-tool-use-ok')));
    const reset = await serve(resetConnection);
    const answers: ProviderAnswer[] = [];
    for (const server of [echo, ok, reset])
      answers.push(await adapter().call(anthropicAt(server), chatRequest, neverAborted()));
    expect(answers.map((answer) => answer.kind)).toEqual(['http_error', 'ok', 'transport']);
    for (const answer of answers) expect(JSON.stringify(answer)).not.toContain(API_KEY);
    expect(answers[0]?.kind === 'http_error' && answers[0].headers['x-echo']).toBe('[redacted]');
  });
});
