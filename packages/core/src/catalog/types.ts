export const PROVIDER_TYPES = [
  'groq',
  'cerebras',
  'openai',
  'gemini',
  'anthropic',
  'openrouter',
  'mistral',
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

export interface CatalogEntry {
  type: ProviderType;
  /** Base URL of the provider's API as the adapter uses it (OpenAI-compatible ones end in /v1 or similar). */
  baseUrl: string;
  /** Whether the catalog's limits are a free tier (used by the choice order). */
  free: boolean;
  models: Record<string, CatalogModel>;
  /** Where the limits were read and when, so a reader can re-check them. */
  source: { url: string; readOn: string };
}
