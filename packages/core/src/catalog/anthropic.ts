import type { CatalogEntry } from './types.js';

// Limits change; a providers file can override them per model. These are tier 1. Anthropic limits input
// and output tokens separately; tpm is the input limit, the one a long prompt runs into first.
export const anthropicCatalog: CatalogEntry = {
  type: 'anthropic',
  // Its OpenAI-compatible layer ignores json_schema, hence the native API.
  api: { adapter: 'anthropic-messages' },
  baseUrl: 'https://api.anthropic.com/v1',
  free: false,
  models: {
    'claude-haiku-4-5': { rpm: 50, tpm: 50_000, contextWindow: 200_000 },
    'claude-sonnet-4-5': { rpm: 50, tpm: 30_000, contextWindow: 200_000 },
    'claude-opus-4-1': { rpm: 50, tpm: 30_000, contextWindow: 200_000 },
    'claude-3-5-haiku-latest': { rpm: 50, tpm: 50_000, contextWindow: 200_000 },
  },
  source: { url: 'https://docs.claude.com/en/api/rate-limits', readOn: '2026-11-22' },
};
