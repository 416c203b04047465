import {
  catalog,
  createAdapters,
  loadProviders,
  PlanResultSchema,
  parseOutcome,
  schemaInstruction,
} from '@spillway/core';
import { afterEach, describe, expect, it } from 'vitest';
import { loadRecordedAnswer } from '../signals/recorded-answers.js';
import { type Stack, startStack } from '../support/stack.js';
import { replay, serverPerTest } from './replay-server.js';
import { API_KEY, chatRequest, testInstance } from './test-instances.js';

const serve = serverPerTest();
const adapter = () => createAdapters({ timeoutMs: 2_000 })('deepseek');
const neverAborted = (): AbortSignal => new AbortController().signal;

/** The content of a recorded chat completion (its body may start with keep-alive blank lines). */
function recordedContent(fixture: string): string {
  const body = JSON.parse(loadRecordedAnswer(fixture).body) as {
    choices: { message: { content: string } }[];
  };
  return body.choices[0]!.message.content;
}

describe('DeepSeek: a provider type that is one catalog file', () => {
  it('expands to deepseek-chat and deepseek-reasoner at api.deepseek.com, with no limits (they are learned)', () => {
    const { instances } = loadProviders({
      fileText: JSON.stringify({
        providers: [{ id: 'ds', type: 'deepseek', apiKey: 'env:DEEPSEEK_API_KEY' }],
      }),
      env: { DEEPSEEK_API_KEY: API_KEY },
      simulatorUrl: 'http://127.0.0.1:1/v1',
    });
    expect(instances.map((i) => [i.id, i.baseUrl, i.limits, i.free])).toEqual([
      ['ds/deepseek-chat', 'https://api.deepseek.com', {}, false],
      ['ds/deepseek-reasoner', 'https://api.deepseek.com', {}, false],
    ]);
    expect(catalog.deepseek.api).toEqual({
      adapter: 'openai-chat',
      tokenLimitField: 'max_tokens',
      structuredOutput: 'json_object',
    });
  });

  it('asks for JSON mode with the schema in the system prompt, and max_tokens', async () => {
    const server = await serve(replay(loadRecordedAnswer('deepseek-chat-json-mode-ok')));
    const instance = testInstance('deepseek', server.origin, { model: 'deepseek-chat' });
    await adapter().call(instance, { ...chatRequest, maxTokens: 900 }, neverAborted());
    const [request] = server.received;
    expect(request?.path).toBe('/chat/completions');
    expect(request?.headers.authorization).toBe(`Bearer ${API_KEY}`);
    const body = JSON.parse(request?.body ?? '') as { messages: { role: string; content: string }[] };
    expect(body).toEqual({
      model: 'deepseek-chat',
      messages: [
        { role: 'system', content: `${chatRequest.system}\n\n${schemaInstruction(chatRequest)}` },
        { role: 'user', content: chatRequest.user },
      ],
      response_format: { type: 'json_object' },
      max_tokens: 900,
    });
    // DeepSeek's JSON mode needs the word "json" in the prompt; the shape asked for is the schema itself.
    expect(body.messages[0]!.content).toMatch(/json/i);
    expect(body.messages[0]!.content).toContain(JSON.stringify(chatRequest.jsonSchema));
  });

  it('reads the JSON-mode answer and its usage (cache counts aside)', async () => {
    const server = await serve(replay(loadRecordedAnswer('deepseek-chat-json-mode-ok')));
    const answer = await adapter().call(testInstance('deepseek', server.origin), chatRequest, neverAborted());
    expect(answer).toMatchObject({
      kind: 'ok',
      status: 200,
      content: recordedContent('deepseek-chat-json-mode-ok'),
      usage: { promptTokens: 412, completionTokens: 74, totalTokens: 486 },
    });
  });

  it('reads deepseek-reasoner’s answer (content, not its reasoning) after keep-alive blank lines', async () => {
    const server = await serve(replay(loadRecordedAnswer('deepseek-reasoner-keep-alive-ok')));
    const instance = testInstance('deepseek', server.origin, { model: 'deepseek-reasoner' });
    const answer = await adapter().call(instance, chatRequest, neverAborted());
    expect(answer).toMatchObject({ kind: 'ok', content: recordedContent('deepseek-reasoner-keep-alive-ok') });
    expect(answer.kind === 'ok' && PlanResultSchema.safeParse(JSON.parse(answer.content)).success).toBe(true);
  });

  it('takes 402 Insufficient Balance for a quota that only a human can fix', async () => {
    const server = await serve(replay(loadRecordedAnswer('deepseek-402-insufficient-balance')));
    const answer = await adapter().call(testInstance('deepseek', server.origin), chatRequest, neverAborted());
    expect(answer).toMatchObject({ kind: 'http_error', status: 402 });
    expect(parseOutcome(answer, { provider: 'deepseek' })).toMatchObject({ code: 'quota_exhausted' });
  });
});

describe('DeepSeek end to end', () => {
  let stack: Stack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  it('a plan job served by DeepSeek in JSON mode completes with the answer the zod schema validated', async () => {
    const server = await serve(replay(loadRecordedAnswer('deepseek-chat-json-mode-ok')));
    stack = await startStack({
      providers: {
        providers: [
          { id: 'ds', type: 'deepseek', baseUrl: server.origin, apiKey: 'x', models: ['deepseek-chat'] },
        ],
      },
    });
    const accepted = await stack.request('POST', '/v1/plans', {
      description: 'Write the report, call the bank',
    });
    const done = await stack.waitForJob(((await accepted.json()) as { id: string }).id);
    expect(done).toMatchObject({
      status: 'completed',
      result: JSON.parse(recordedContent('deepseek-chat-json-mode-ok')),
      attempts: [expect.objectContaining({ instance: 'ds/deepseek-chat', outcome: 'ok' })],
    });
    const sent = JSON.parse(server.received[0]!.body) as { response_format: unknown };
    expect(sent.response_format).toEqual({ type: 'json_object' });
  });
});
