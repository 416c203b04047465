import { AsyncLocalStorage } from 'node:async_hooks';
import OpenAI, { APIConnectionTimeoutError, APIError } from 'openai';
import { catalogEntry } from '../catalog/catalog.js';
import type { Instance } from '../catalog/instance.js';
import type { OpenAiChatApi } from '../catalog/types.js';
import { assertNever } from '../signals/outcome.js';
import { startDeadline } from './deadline.js';
import { headersWithoutSecret, withoutSecret } from './redact.js';
import { headersRecord } from './response-headers.js';
import { transportFailure, transportMessage } from './transport-failure.js';
import type { ChatRequest, ProviderAdapter, ProviderAnswer, Usage } from './types.js';

export interface OpenAiCompatibleDeps {
  fetch: typeof fetch;
  timeoutMs: number;
  now: () => number;
}

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** What the recording fetch saw during one call; the SDK only keeps the body it could parse as an object. */
interface CallRecord {
  errorAnswer?: RawAnswer;
}

type ChatParams = OpenAI.Chat.ChatCompletionCreateParamsNonStreaming;

function openAiChatApi(instance: Instance): OpenAiChatApi {
  const api = catalogEntry(instance.type).api;
  if (api.adapter !== 'openai-chat') {
    throw new Error(`provider type ${instance.type} does not speak OpenAI chat completions`);
  }
  return api;
}

/** How the catalog says this type takes structured output (catalog/types.ts, ProviderApi). */
function structuredOutput(
  api: OpenAiChatApi,
  request: ChatRequest,
): { system: string; responseFormat: ChatParams['response_format'] } {
  switch (api.structuredOutput) {
    case 'json_schema':
      return {
        system: request.system,
        responseFormat: {
          type: 'json_schema',
          json_schema: { name: request.schemaName, schema: request.jsonSchema, strict: true },
        },
      };
    case 'json_object':
      // JSON mode checks only that the answer is JSON; the shape is asked for in words (and the
      // word "json", which such APIs require), and the same zod schema validates the answer after.
      return {
        system: `${request.system}\n\n${schemaInstruction(request)}`,
        responseFormat: { type: 'json_object' },
      };
    default:
      return assertNever(api.structuredOutput, 'structured output mode');
  }
}

export function schemaInstruction(request: Pick<ChatRequest, 'schemaName' | 'jsonSchema'>): string {
  return (
    `Answer with one JSON object (the ${request.schemaName}) and nothing else: no prose, no code fences. ` +
    `It must match this JSON Schema:\n${JSON.stringify(request.jsonSchema)}`
  );
}

function chatParams(instance: Instance, request: ChatRequest): ChatParams {
  const api = openAiChatApi(instance);
  const { system, responseFormat } = structuredOutput(api, request);
  const params: ChatParams = {
    model: instance.model,
    messages: [
      { role: 'system', content: system },
      { role: 'user', content: request.user },
    ],
    response_format: responseFormat,
  };
  if (request.maxTokens !== undefined) params[api.tokenLimitField] = request.maxTokens;
  return params;
}

function usageOf(usage: OpenAI.CompletionUsage | undefined): Usage | undefined {
  if (!usage) return undefined;
  return {
    promptTokens: usage.prompt_tokens,
    completionTokens: usage.completion_tokens,
    totalTokens: usage.total_tokens ?? usage.prompt_tokens + usage.completion_tokens,
  };
}

function contentOf(completion: OpenAI.Chat.ChatCompletion): string {
  const choice = Array.isArray(completion.choices) ? completion.choices[0] : undefined;
  return choice?.message?.content ?? '';
}

/**
 * Every provider type whose catalog entry says `adapter: 'openai-chat'` (Groq, Cerebras, OpenAI,
 * OpenRouter, Mistral, DeepSeek, Gemini's OpenAI-compatible endpoint, any OpenAI-compatible server,
 * the simulator), through the official SDK with its retries off: retrying is the pool's decision,
 * made with the whole fleet in view. The request's quirks come from the catalog entry.
 */
export function createOpenAiCompatibleAdapter(deps: OpenAiCompatibleDeps): ProviderAdapter {
  const calls = new AsyncLocalStorage<CallRecord>();
  const clients = new Map<string, OpenAI>();

  // The SDK parses error bodies and drops what is not an object (Gemini's JSON array); the signal
  // parser needs the exact text, so it is copied here, into the record of the call that made it.
  const recordingFetch: typeof fetch = async (input, init) => {
    const response = await deps.fetch(input, init);
    const record = calls.getStore();
    if (record && !response.ok) {
      record.errorAnswer = {
        status: response.status,
        headers: headersRecord(response.headers),
        body: await response.clone().text(),
      };
    }
    return response;
  };

  function clientFor(instance: Instance): OpenAI {
    let client = clients.get(instance.id);
    if (!client) {
      client = new OpenAI({
        apiKey: instance.apiKey.reveal(),
        baseURL: instance.baseUrl,
        maxRetries: 0,
        timeout: deps.timeoutMs,
        fetch: recordingFetch,
        // Otherwise the SDK reads OPENAI_ORG_ID / OPENAI_PROJECT_ID and sends them to every provider.
        organization: null,
        project: null,
        logLevel: 'off',
      });
      clients.set(instance.id, client);
    }
    return client;
  }

  async function call(
    instance: Instance,
    request: ChatRequest,
    signal: AbortSignal,
  ): Promise<ProviderAnswer> {
    const started = deps.now();
    const latencyMs = (): number => Math.max(0, deps.now() - started);
    const deadline = startDeadline(signal, deps.timeoutMs);
    const record: CallRecord = {};
    try {
      const { data, response } = await calls.run(record, () =>
        clientFor(instance)
          .chat.completions.create(chatParams(instance, request), { signal: deadline.signal })
          .withResponse(),
      );
      return {
        kind: 'ok',
        status: response.status,
        headers: headersWithoutSecret(headersRecord(response.headers), instance.apiKey),
        content: contentOf(data),
        usage: usageOf(data.usage),
        latencyMs: latencyMs(),
      };
    } catch (error) {
      const raw = record.errorAnswer ?? rawFromSdkError(error);
      if (raw) {
        return {
          kind: 'http_error',
          status: raw.status,
          headers: headersWithoutSecret(raw.headers, instance.apiKey),
          body: withoutSecret(raw.body, instance.apiKey),
          latencyMs: latencyMs(),
        };
      }
      return {
        kind: 'transport',
        failure: transportFailure(signal, deadline, error instanceof APIConnectionTimeoutError),
        message: withoutSecret(transportMessage(instance.baseUrl, error), instance.apiKey),
        latencyMs: latencyMs(),
      };
    } finally {
      deadline.dispose();
    }
  }

  return { call };
}

/** Only if an HTTP error reached the SDK without passing the recording fetch: the parsed body is all there is. */
function rawFromSdkError(error: unknown): RawAnswer | undefined {
  if (!(error instanceof APIError) || typeof error.status !== 'number' || !error.headers) return undefined;
  return {
    status: error.status,
    headers: headersRecord(error.headers),
    body: JSON.stringify({ error: error.error ?? null }),
  };
}
