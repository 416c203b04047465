import type { CatalogEntry } from './types.js';

// Limits change; a providers file can override them per model.
export const groqCatalog: CatalogEntry = {
  type: 'groq',
  api: { adapter: 'openai-chat', tokenLimitField: 'max_completion_tokens', structuredOutput: 'json_schema' },
  baseUrl: 'https://api.groq.com/openai/v1',
  free: true,
  models: {
    'llama-3.1-8b-instant': { rpm: 30, tpm: 6_000, rpd: 14_400, tpd: 500_000, contextWindow: 131_072 },
    'llama-3.3-70b-versatile': { rpm: 30, tpm: 12_000, rpd: 1_000, tpd: 100_000, contextWindow: 131_072 },
    'meta-llama/llama-4-scout-17b-16e-instruct': {
      rpm: 30,
      tpm: 30_000,
      rpd: 1_000,
      tpd: 500_000,
      contextWindow: 131_072,
    },
    'meta-llama/llama-4-maverick-17b-128e-instruct': {
      rpm: 30,
      tpm: 6_000,
      rpd: 1_000,
      tpd: 500_000,
      contextWindow: 131_072,
    },
    'moonshotai/kimi-k2-instruct-0905': {
      rpm: 60,
      tpm: 10_000,
      rpd: 1_000,
      tpd: 300_000,
      contextWindow: 262_144,
    },
    'openai/gpt-oss-120b': { rpm: 30, tpm: 8_000, rpd: 1_000, tpd: 200_000, contextWindow: 131_072 },
    'openai/gpt-oss-20b': { rpm: 30, tpm: 8_000, rpd: 1_000, tpd: 200_000, contextWindow: 131_072 },
    'qwen/qwen3-32b': { rpm: 60, tpm: 6_000, rpd: 1_000, tpd: 500_000, contextWindow: 131_072 },
  },
  source: { url: 'https://console.groq.com/docs/rate-limits', readOn: '2026-11-22' },
};
