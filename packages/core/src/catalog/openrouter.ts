import type { CatalogEntry } from './types.js';

const FREE_SUFFIX = ':free';

// Limits change; a providers file can override them per model. OpenRouter counts the free-model daily
// limit per account (50 a day, 1,000 with credits bought), so rpd here is a per-instance upper bound.
export const openrouterCatalog: CatalogEntry = {
  type: 'openrouter',
  api: { adapter: 'openai-chat', tokenLimitField: 'max_tokens', structuredOutput: 'json_schema' },
  baseUrl: 'https://openrouter.ai/api/v1',
  free: true,
  models: {
    'meta-llama/llama-3.3-70b-instruct:free': { rpm: 20, rpd: 50, contextWindow: 131_072 },
    'deepseek/deepseek-chat-v3-0324:free': { rpm: 20, rpd: 50, contextWindow: 163_840 },
    'qwen/qwen3-235b-a22b:free': { rpm: 20, rpd: 50, contextWindow: 131_072 },
    'mistralai/mistral-small-3.2-24b-instruct:free': { rpm: 20, rpd: 50, contextWindow: 131_072 },
    'google/gemma-3-27b-it:free': { rpm: 20, rpd: 50, contextWindow: 131_072 },
    'openai/gpt-oss-20b:free': { rpm: 20, rpd: 50, contextWindow: 131_072 },
  },
  source: { url: 'https://openrouter.ai/docs/api-reference/limits', readOn: '2026-11-22' },
};

/** Only OpenRouter's `:free` variants cost nothing; the same key also reaches paid models. */
export function isOpenRouterFreeModel(model: string): boolean {
  return model.endsWith(FREE_SUFFIX);
}
