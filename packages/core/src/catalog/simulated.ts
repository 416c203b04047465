import type { CatalogEntry } from './types.js';

/** The embedded default: models served by the built-in simulator (`npm run simulator`). */
export const DEFAULT_SIMULATOR_URL = 'http://127.0.0.1:9100/v1';

export const simulatedCatalog: CatalogEntry = {
  type: 'simulated',
  api: { adapter: 'openai-chat', tokenLimitField: 'max_tokens', structuredOutput: 'json_schema' },
  baseUrl: DEFAULT_SIMULATOR_URL,
  free: true,
  models: {
    'sim-small': { rpm: 60, tpm: 60_000, rpd: 10_000, contextWindow: 8_192 },
    'sim-medium': { rpm: 30, tpm: 30_000, rpd: 5_000, contextWindow: 32_768 },
    'sim-large': { rpm: 10, tpm: 20_000, rpd: 1_000, contextWindow: 131_072 },
  },
  source: { url: 'packages/simulator/src', readOn: '2026-11-22' },
};
