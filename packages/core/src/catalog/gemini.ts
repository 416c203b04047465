import type { CatalogEntry } from './types.js';

// Limits change; a providers file can override them per model. These are the free tier's.
export const geminiCatalog: CatalogEntry = {
  type: 'gemini',
  // Its OpenAI-compatible endpoint accepts `strict` (Google's own example sends it through the SDK's parse()).
  api: { adapter: 'openai-chat', tokenLimitField: 'max_tokens', structuredOutput: 'json_schema' },
  baseUrl: 'https://generativelanguage.googleapis.com/v1beta/openai',
  free: true,
  models: {
    'gemini-2.5-pro': { rpm: 5, tpm: 250_000, rpd: 100, contextWindow: 1_048_576 },
    'gemini-2.5-flash': { rpm: 10, tpm: 250_000, rpd: 250, contextWindow: 1_048_576 },
    'gemini-2.5-flash-lite': { rpm: 15, tpm: 250_000, rpd: 1_000, contextWindow: 1_048_576 },
    'gemini-2.0-flash': { rpm: 15, tpm: 1_000_000, rpd: 200, contextWindow: 1_048_576 },
    'gemini-2.0-flash-lite': { rpm: 30, tpm: 1_000_000, rpd: 200, contextWindow: 1_048_576 },
  },
  source: { url: 'https://ai.google.dev/gemini-api/docs/rate-limits', readOn: '2026-11-22' },
};
