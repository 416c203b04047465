import { ConfigError } from '../config/errors.js';
import type { Secret } from '../config/secret.js';
import { catalogEntry, isFreeByDefault } from './catalog.js';
import type { Instance } from './instance.js';
import type { CatalogModel, Limits, ProviderType } from './types.js';

/** A model's figures as the providers file gives them: its limits and, optionally, its own cap. */
export interface ConfiguredModel extends CatalogModel {
  maxConcurrent?: number;
}

/** One credential as the providers file describes it, with its key already resolved. */
export interface ProviderDefinition {
  id: string;
  type: ProviderType;
  apiKey: Secret;
  /** Overrides the catalog's base URL. */
  baseUrl?: string;
  /**
   * Omitted: every model the catalog lists, with its limits. A list: those models, with the catalog's
   * limits where it knows the model. An object: those models with exactly the limits given.
   */
  models?: readonly string[] | Readonly<Record<string, ConfiguredModel>>;
  /** Overrides whether the catalog counts these models as free. */
  free?: boolean;
  /** Calls in flight to each instance; a model's own `maxConcurrent` wins over it. */
  maxConcurrent?: number;
}

const LIMIT_NAMES = ['rpm', 'tpm', 'rpd', 'tpd'] as const satisfies readonly (keyof Limits)[];

/** Copies only the limits that are known, so an unknown limit is absent rather than undefined or zero. */
function knownLimits(model: CatalogModel | undefined): Limits {
  const limits: Limits = {};
  for (const name of LIMIT_NAMES) {
    const value = model?.[name];
    if (value !== undefined) limits[name] = value;
  }
  return limits;
}

function modelsWithFacts(definition: ProviderDefinition): Array<[string, ConfiguredModel | undefined]> {
  const known = catalogEntry(definition.type).models;
  const { models } = definition;
  if (models === undefined) {
    const all = Object.entries(known);
    if (all.length === 0) {
      throw new ConfigError('Invalid providers', [
        `provider "${definition.id}": the catalog lists no models for type ${definition.type}; list them under "models"`,
      ]);
    }
    return all;
  }
  // A model the catalog does not know yet is still usable, with unknown limits: new models appear all the time.
  if (Array.isArray(models)) return models.map((model: string) => [model, known[model]]);
  return Object.entries(models as Readonly<Record<string, ConfiguredModel>>);
}

/** Expands one credential into its instances (credential × model), sorted by id. */
export function expandProvider(definition: ProviderDefinition): Instance[] {
  const entry = catalogEntry(definition.type);
  const baseUrl = definition.baseUrl ?? entry.baseUrl;
  if (baseUrl === '') {
    throw new ConfigError('Invalid providers', [
      `provider "${definition.id}": type ${definition.type} has no default base URL; give "baseUrl"`,
    ]);
  }
  const instances = modelsWithFacts(definition).map(([model, facts]): Instance => {
    const instance: Instance = {
      id: `${definition.id}/${model}`,
      providerId: definition.id,
      type: definition.type,
      model,
      baseUrl,
      limits: knownLimits(facts),
      limitsSource:
        Array.isArray(definition.models) || definition.models === undefined ? 'catalog' : 'configured',
      free: definition.free ?? isFreeByDefault(definition.type, model),
      apiKey: definition.apiKey,
    };
    if (facts?.contextWindow !== undefined) instance.contextWindow = facts.contextWindow;
    const maxConcurrent = facts?.maxConcurrent ?? definition.maxConcurrent;
    if (maxConcurrent !== undefined) instance.maxConcurrent = maxConcurrent;
    return instance;
  });
  return sortById(instances);
}

/** Code-unit order, not locale order, so ids sort the same on every machine. */
export function sortById<T extends { id: string }>(items: T[]): T[] {
  return items.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
