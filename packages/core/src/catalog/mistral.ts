import type { CatalogEntry } from './types.js';

// Limits change; a providers file can override them per model. The free (Experiment) tier allows about
// one request a second and 500,000 tokens a minute; its monthly token cap has no field here.
export const mistralCatalog: CatalogEntry = {
  type: 'mistral',
  // Mistral rejects fields it does not know, max_completion_tokens among them.
  api: { adapter: 'openai-chat', tokenLimitField: 'max_tokens', structuredOutput: 'json_schema' },
  baseUrl: 'https://api.mistral.ai/v1',
  free: true,
  models: {
    'mistral-small-latest': { rpm: 60, tpm: 500_000, contextWindow: 131_072 },
    'mistral-medium-latest': { rpm: 60, tpm: 500_000, contextWindow: 131_072 },
    'mistral-large-latest': { rpm: 60, tpm: 500_000, contextWindow: 131_072 },
    'ministral-8b-latest': { rpm: 60, tpm: 500_000, contextWindow: 131_072 },
    'open-mistral-nemo': { rpm: 60, tpm: 500_000, contextWindow: 131_072 },
  },
  source: { url: 'https://docs.mistral.ai/deployment/laplateforme/tier/', readOn: '2026-11-22' },
};
