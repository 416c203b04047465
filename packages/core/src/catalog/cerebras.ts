import type { CatalogEntry } from './types.js';

// Limits change; a providers file can override them per model. Context windows are the free tier's.
export const cerebrasCatalog: CatalogEntry = {
  type: 'cerebras',
  api: { adapter: 'openai-chat', tokenLimitField: 'max_completion_tokens', structuredOutput: 'json_schema' },
  baseUrl: 'https://api.cerebras.ai/v1',
  free: true,
  models: {
    'llama3.1-8b': { rpm: 30, tpm: 60_000, rpd: 14_400, tpd: 1_000_000, contextWindow: 8_192 },
    'llama-3.3-70b': { rpm: 30, tpm: 64_000, rpd: 14_400, tpd: 1_000_000, contextWindow: 65_536 },
    'qwen-3-32b': { rpm: 30, tpm: 64_000, rpd: 14_400, tpd: 1_000_000, contextWindow: 65_536 },
    'qwen-3-235b-a22b-instruct-2507': {
      rpm: 30,
      tpm: 60_000,
      rpd: 14_400,
      tpd: 1_000_000,
      contextWindow: 65_536,
    },
    'gpt-oss-120b': { rpm: 30, tpm: 64_000, rpd: 14_400, tpd: 1_000_000, contextWindow: 65_536 },
  },
  source: { url: 'https://inference-docs.cerebras.ai/support/rate-limits', readOn: '2026-11-22' },
};
