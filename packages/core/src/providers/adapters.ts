import { catalogEntry } from '../catalog/catalog.js';
import type { ProviderType } from '../catalog/types.js';
import { assertNever } from '../signals/outcome.js';
import { createAnthropicAdapter } from './anthropic.js';
import { createOpenAiCompatibleAdapter } from './openai-compatible.js';
import type { ProviderAdapter } from './types.js';

export interface AdapterDeps {
  /** The HTTP client; tests and proxies pass their own. */
  fetch?: typeof fetch;
  /** Whole-call limit (connect, headers and body). */
  timeoutMs?: number;
  /** Clock for latencyMs. */
  now?: () => number;
}

export const DEFAULT_PROVIDER_TIMEOUT_MS = 60_000;

/** One adapter per provider API, created on first use and shared (with its per-instance clients) after. */
export function createAdapters(deps: AdapterDeps = {}): (type: ProviderType) => ProviderAdapter {
  const resolved = {
    fetch: deps.fetch ?? globalThis.fetch,
    timeoutMs: deps.timeoutMs ?? DEFAULT_PROVIDER_TIMEOUT_MS,
    now: deps.now ?? Date.now,
  };
  let openAiCompatible: ProviderAdapter | undefined;
  let anthropic: ProviderAdapter | undefined;
  // The catalog says which adapter speaks a type's API; a new OpenAI-style provider needs no case here.
  return (type) => {
    const api = catalogEntry(type).api;
    switch (api.adapter) {
      case 'anthropic-messages':
        anthropic ??= createAnthropicAdapter(resolved);
        return anthropic;
      case 'openai-chat':
        openAiCompatible ??= createOpenAiCompatibleAdapter(resolved);
        return openAiCompatible;
      default:
        return assertNever(api, 'provider adapter');
    }
  };
}
