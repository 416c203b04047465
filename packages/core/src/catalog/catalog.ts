import { anthropicCatalog } from './anthropic.js';
import { cerebrasCatalog } from './cerebras.js';
import { deepseekCatalog } from './deepseek.js';
import { geminiCatalog } from './gemini.js';
import { groqCatalog } from './groq.js';
import { mistralCatalog } from './mistral.js';
import { openaiCatalog } from './openai.js';
import { openaiCompatibleCatalog } from './openai-compatible.js';
import { isOpenRouterFreeModel, openrouterCatalog } from './openrouter.js';
import { simulatedCatalog } from './simulated.js';
import type { CatalogEntry, ProviderType } from './types.js';

/**
 * The built-in knowledge of every provider type: how it is called (adapter and quirks), base URL, chat
 * models and their documented limits.
 */
export const catalog: Readonly<Record<ProviderType, CatalogEntry>> = {
  groq: groqCatalog,
  cerebras: cerebrasCatalog,
  openai: openaiCatalog,
  gemini: geminiCatalog,
  anthropic: anthropicCatalog,
  openrouter: openrouterCatalog,
  mistral: mistralCatalog,
  deepseek: deepseekCatalog,
  'openai-compatible': openaiCompatibleCatalog,
  simulated: simulatedCatalog,
};

export function catalogEntry(type: ProviderType): CatalogEntry {
  return catalog[type];
}

/** Whether a model costs nothing by default, before a providers file says otherwise. */
export function isFreeByDefault(type: ProviderType, model: string): boolean {
  const entry = catalog[type];
  if (!entry.free) return false;
  return type === 'openrouter' ? isOpenRouterFreeModel(model) : true;
}
