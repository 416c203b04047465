import type { Instance } from '../catalog/instance.js';
import { startDeadline } from './deadline.js';
import { headersWithoutSecret, withoutSecret } from './redact.js';
import { headersRecord } from './response-headers.js';
import { transportFailure, transportMessage } from './transport-failure.js';
import type { ChatRequest, ProviderAdapter, ProviderAnswer, Usage } from './types.js';

export interface AnthropicDeps {
  fetch: typeof fetch;
  timeoutMs: number;
  now: () => number;
}

const ANTHROPIC_VERSION = '2023-06-01';
// The Messages API requires max_tokens; this leaves room for a day plan without inviting rambling.
const DEFAULT_MAX_TOKENS = 4096;

interface ContentBlock {
  type?: unknown;
  name?: unknown;
  input?: unknown;
  text?: unknown;
}

interface MessagesResponse {
  content?: ContentBlock[];
  usage?: { input_tokens?: unknown; output_tokens?: unknown };
}

/** Structured output through one forced tool: the tool's input is the JSON the schema describes. */
function messagesBody(instance: Instance, request: ChatRequest): Record<string, unknown> {
  return {
    model: instance.model,
    max_tokens: request.maxTokens ?? DEFAULT_MAX_TOKENS,
    system: request.system,
    messages: [{ role: 'user', content: request.user }],
    tools: [{ name: request.schemaName, input_schema: request.jsonSchema }],
    tool_choice: { type: 'tool', name: request.schemaName },
  };
}

function contentOf(message: MessagesResponse, toolName: string): string {
  const blocks = Array.isArray(message.content) ? message.content : [];
  const toolUse = blocks.find((block) => block.type === 'tool_use' && block.name === toolName);
  if (toolUse) return JSON.stringify(toolUse.input ?? null);
  // Not expected with a forced tool, but text is still the best evidence for the validator to judge.
  return blocks
    .filter((block) => block.type === 'text' && typeof block.text === 'string')
    .map((block) => block.text)
    .join('');
}

function usageOf(message: MessagesResponse): Usage | undefined {
  const input = message.usage?.input_tokens;
  const output = message.usage?.output_tokens;
  if (typeof input !== 'number' || typeof output !== 'number') return undefined;
  return { promptTokens: input, completionTokens: output, totalTokens: input + output };
}

function parseMessage(text: string): MessagesResponse | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null ? (parsed as MessagesResponse) : undefined;
  } catch {
    return undefined;
  }
}

function baseUrlOf(instance: Instance): string {
  return instance.baseUrl.replace(/\/+$/, '');
}

/** Anthropic's native Messages API with plain fetch: its OpenAI-compatible layer ignores json_schema. */
export function createAnthropicAdapter(deps: AnthropicDeps): ProviderAdapter {
  async function call(
    instance: Instance,
    request: ChatRequest,
    signal: AbortSignal,
  ): Promise<ProviderAnswer> {
    const started = deps.now();
    const latencyMs = (): number => Math.max(0, deps.now() - started);
    const deadline = startDeadline(signal, deps.timeoutMs);
    try {
      const response = await deps.fetch(`${baseUrlOf(instance)}/messages`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-api-key': instance.apiKey.reveal(),
          'anthropic-version': ANTHROPIC_VERSION,
        },
        body: JSON.stringify(messagesBody(instance, request)),
        signal: deadline.signal,
      });
      const headers = headersWithoutSecret(headersRecord(response.headers), instance.apiKey);
      const body = await response.text();
      if (!response.ok) {
        return {
          kind: 'http_error',
          status: response.status,
          headers,
          body: withoutSecret(body, instance.apiKey),
          latencyMs: latencyMs(),
        };
      }
      const message = parseMessage(body);
      if (!message) {
        // A 2xx that is not JSON was mangled on the way (a proxy, a cut stream): worth a retry, like a reset.
        return {
          kind: 'transport',
          failure: 'connection',
          message: `HTTP ${response.status} answer is not JSON`,
          latencyMs: latencyMs(),
        };
      }
      return {
        kind: 'ok',
        status: response.status,
        headers,
        content: contentOf(message, request.schemaName),
        usage: usageOf(message),
        latencyMs: latencyMs(),
      };
    } catch (error) {
      return {
        kind: 'transport',
        failure: transportFailure(signal, deadline, false),
        message: withoutSecret(transportMessage(instance.baseUrl, error), instance.apiKey),
        latencyMs: latencyMs(),
      };
    } finally {
      deadline.dispose();
    }
  }

  return { call };
}
