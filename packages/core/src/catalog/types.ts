export const PROVIDER_TYPES = [
  'groq',
  'cerebras',
  'openai',
  'gemini',
  'anthropic',
  'openrouter',
  'mistral',
  'deepseek',
  'openai-compatible',
  'simulated',
] as const;
export type ProviderType = (typeof PROVIDER_TYPES)[number];

/** Known limits of one model on one credential. An omitted limit is unknown, never zero. */
export interface Limits {
  rpm?: number;
  tpm?: number;
  rpd?: number;
  tpd?: number;
}

export interface CatalogModel extends Limits {
  /** Context window in tokens, when documented. */
  contextWindow?: number;
}

/**
 * How a provider type is called, as data: which adapter speaks its API and the quirks that adapter
 * reads. A new OpenAI-style provider is a catalog file with one of these, not a new switch.
 */
export type ProviderApi =
  | {
      /** OpenAI's chat completions, through the official SDK. */
      adapter: 'openai-chat';
      /** The request field that caps the answer: newer APIs deprecate max_tokens, older ones know only it. */
      tokenLimitField: 'max_tokens' | 'max_completion_tokens';
      /**
       * `json_schema`: strict structured output from the zod schema's JSON Schema. `json_object`:
       * JSON mode, with that JSON Schema in the system prompt. Either way the answer is validated by
       * the same zod schema afterwards.
       */
      structuredOutput: 'json_schema' | 'json_object';
    }
  | {
      /** Anthropic's Messages API; structured output through one forced tool whose input is the schema. */
      adapter: 'anthropic-messages';
    };

export type OpenAiChatApi = Extract<ProviderApi, { adapter: 'openai-chat' }>;

export interface CatalogEntry {
  type: ProviderType;
  api: ProviderApi;
  /** Base URL of the provider's API as the adapter uses it (OpenAI-compatible ones end in /v1 or similar). */
  baseUrl: string;
  /** Whether the catalog's limits are a free tier (used by the choice order). */
  free: boolean;
  models: Record<string, CatalogModel>;
  /** Where the limits were read and when, so a reader can re-check them. */
  source: { url: string; readOn: string };
}
