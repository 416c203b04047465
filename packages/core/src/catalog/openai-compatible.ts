import type { CatalogEntry } from './types.js';

// Any server speaking OpenAI's chat completions: the providers file must give its baseUrl and models.
export const openaiCompatibleCatalog: CatalogEntry = {
  type: 'openai-compatible',
  api: { adapter: 'openai-chat', tokenLimitField: 'max_tokens', structuredOutput: 'json_schema' },
  baseUrl: '',
  free: false,
  models: {},
  source: { url: 'https://platform.openai.com/docs/api-reference/chat', readOn: '2026-11-22' },
};
