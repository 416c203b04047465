import type { CatalogEntry } from './types.js';

// DeepSeek states no fixed rate limits (it slows answers under load and answers 429 when it must), so
// none are listed: the pool learns them from 429s. Its chat completions take JSON mode only, not
// json_schema, and need the word "json" and the shape in the prompt: the schema goes there.
export const deepseekCatalog: CatalogEntry = {
  type: 'deepseek',
  api: { adapter: 'openai-chat', tokenLimitField: 'max_tokens', structuredOutput: 'json_object' },
  baseUrl: 'https://api.deepseek.com',
  free: false,
  models: {
    'deepseek-chat': { contextWindow: 131_072 },
    'deepseek-reasoner': { contextWindow: 131_072 },
  },
  source: { url: 'https://api-docs.deepseek.com/quick_start/rate_limit', readOn: '2026-12-01' },
};
