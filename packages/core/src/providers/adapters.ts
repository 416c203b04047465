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

/** One adapter per provider type, created on first use and shared (with its per-instance clients) after. */
export function createAdapters(deps: AdapterDeps = {}): (type: ProviderType) => ProviderAdapter {
  const resolved = {
    fetch: deps.fetch ?? globalThis.fetch,
    timeoutMs: deps.timeoutMs ?? DEFAULT_PROVIDER_TIMEOUT_MS,
    now: deps.now ?? Date.now,
  };
  let openAiCompatible: ProviderAdapter | undefined;
  let anthropic: ProviderAdapter | undefined;
  return (type) => {
    switch (type) {
      case 'anthropic':
        anthropic ??= createAnthropicAdapter(resolved);
        return anthropic;
      case 'groq':
      case 'cerebras':
      case 'openai':
      case 'gemini':
      case 'openrouter':
      case 'mistral':
      case 'openai-compatible':
      case 'simulated':
        openAiCompatible ??= createOpenAiCompatibleAdapter(resolved);
        return openAiCompatible;
      default:
        return assertNever(type, 'provider type');
    }
  };
}
