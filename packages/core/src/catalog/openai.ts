import type { CatalogEntry } from './types.js';

// Limits change; a providers file can override them per model. These are usage tier 1, the lowest paid tier.
export const openaiCatalog: CatalogEntry = {
  type: 'openai',
  api: { adapter: 'openai-chat', tokenLimitField: 'max_completion_tokens', structuredOutput: 'json_schema' },
  baseUrl: 'https://api.openai.com/v1',
  free: false,
  models: {
    'gpt-4o-mini': { rpm: 500, tpm: 200_000, rpd: 10_000, contextWindow: 128_000 },
    'gpt-4o': { rpm: 500, tpm: 30_000, contextWindow: 128_000 },
    'gpt-4.1-nano': { rpm: 500, tpm: 200_000, rpd: 10_000, contextWindow: 1_047_576 },
    'gpt-4.1-mini': { rpm: 500, tpm: 200_000, rpd: 10_000, contextWindow: 1_047_576 },
    'gpt-4.1': { rpm: 500, tpm: 30_000, contextWindow: 1_047_576 },
    'gpt-5-nano': { rpm: 500, tpm: 200_000, contextWindow: 400_000 },
    'gpt-5-mini': { rpm: 500, tpm: 200_000, contextWindow: 400_000 },
    'gpt-5': { rpm: 500, tpm: 30_000, contextWindow: 400_000 },
  },
  source: { url: 'https://platform.openai.com/docs/guides/rate-limits', readOn: '2026-11-22' },
};
