import { createAdapters, PROVIDER_TYPES } from '@spillway/core';
import { afterEach, describe, expect, it } from 'vitest';
import { loadRecordedAnswer } from '../signals/recorded-answers.js';
import { replay, startServer, type TestServer } from './replay-server.js';
import { chatRequest, testInstance } from './test-instances.js';

let server: TestServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('createAdapters', () => {
  it('has an adapter for every provider type and shares one per API dialect', () => {
    const adapterFor = createAdapters();
    for (const type of PROVIDER_TYPES) expect(adapterFor(type).call).toBeTypeOf('function');
    expect(adapterFor('groq')).toBe(adapterFor('gemini'));
    expect(adapterFor('anthropic')).not.toBe(adapterFor('groq'));
  });

  it('routes anthropic to the Messages API and the others to chat completions, through the injected fetch', async () => {
    const messages = replay(loadRecordedAnswer('anthropic-messages-tool-use-ok'));
    const chatCompletions = replay(loadRecordedAnswer('groq-chat-completion-ok'));
    server = await startServer((request, response, received) =>
      (received.path.endsWith('/messages') ? messages : chatCompletions)(request, response, received),
    );
    const fetched: string[] = [];
    const adapterFor = createAdapters({
      fetch: (input, init) => {
        fetched.push(String(input instanceof Request ? input.url : input));
        return fetch(input, init);
      },
      timeoutMs: 2_000,
    });
    const signal = new AbortController().signal;
    const anthropic = await adapterFor('anthropic').call(
      testInstance('anthropic', `${server.origin}/v1`),
      chatRequest,
      signal,
    );
    const groq = await adapterFor('groq').call(
      testInstance('groq', `${server.origin}/openai/v1`),
      chatRequest,
      signal,
    );
    expect([anthropic.kind, groq.kind]).toEqual(['ok', 'ok']);
    expect(fetched).toEqual([`${server.origin}/v1/messages`, `${server.origin}/openai/v1/chat/completions`]);
  });
});
