import type { Instance } from '../catalog/instance.js';

/** One structured-output chat request, provider-neutral. */
export interface ChatRequest {
  system: string;
  user: string;
  /** Name and JSON schema (from z.toJSONSchema) for `response_format: json_schema`. */
  schemaName: string;
  jsonSchema: Record<string, unknown>;
  maxTokens?: number;
}

export interface Usage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

/**
 * What came back, before any interpretation. Adapters never throw for an HTTP answer: a non-2xx
 * status is data for the signal parser, not an exception. They only report transport failures
 * (timeout, connection reset) as `transport`.
 */
export type ProviderAnswer =
  | {
      kind: 'ok';
      status: number;
      headers: Record<string, string>;
      /** The model's text (expected to be JSON for structured output). */
      content: string;
      usage?: Usage;
      latencyMs: number;
    }
  | {
      kind: 'http_error';
      status: number;
      headers: Record<string, string>;
      /** Raw body text, exactly as received. */
      body: string;
      latencyMs: number;
    }
  | {
      kind: 'transport';
      failure: 'timeout' | 'connection' | 'aborted';
      message: string;
      latencyMs: number;
    };

export interface ProviderAdapter {
  call(instance: Instance, request: ChatRequest, signal: AbortSignal): Promise<ProviderAnswer>;
}
