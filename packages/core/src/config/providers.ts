import { readFile } from 'node:fs/promises';
import { catalogEntry } from '../catalog/catalog.js';
import { expandProvider, sortById } from '../catalog/expand.js';
import type { Instance } from '../catalog/instance.js';
import { ConfigError } from './errors.js';
import { deepFreeze } from './freeze.js';
import { describeIssues, formatPath } from './issue-path.js';
import { parseJsonText } from './json.js';
import {
  type CoachingDefaults,
  ENV_REFERENCE,
  type ProviderEntry,
  ProvidersFileSchema,
} from './providers-file.js';
import { Secret } from './secret.js';

export interface ProviderSetup {
  readonly instances: readonly Instance[];
  readonly defaults: { readonly coaching: Readonly<CoachingDefaults> };
  /** What is allowed but probably a mistake (a key too short to be real), each naming the field. */
  readonly warnings: readonly string[];
}

/** Shorter than any real provider's key: a placeholder such as "x" for a local server. */
export const SHORTEST_REAL_KEY = 8;

export interface LoadProvidersInput {
  /** The providers file's text; null means the built-in simulated providers. */
  fileText: string | null;
  /** Names the file in error messages. */
  fileName?: string;
  /** Where `env:NAME` keys are read from. */
  env: Record<string, string | undefined>;
  /** Base URL for `simulated` providers that give none (Config.simulatorUrl). */
  simulatorUrl: string;
}

/** With no providers file: two simulated credentials, so the pool has something to fall back across. */
const BUILT_IN_PROVIDERS = [
  { id: 'sim-a', type: 'simulated' },
  { id: 'sim-b', type: 'simulated' },
] as const satisfies readonly ProviderEntry[];

/**
 * Validates a providers file, resolves its `env:NAME` keys and expands every credential into instances
 * (credential × model), sorted by id. Throws a ConfigError naming each bad field by its path.
 */
export function loadProviders(input: LoadProvidersInput): ProviderSetup {
  const title = input.fileName ? `Invalid providers file ${input.fileName}` : 'Invalid providers file';
  if (input.fileText === null) {
    return setupFrom(BUILT_IN_PROVIDERS, { policy: 'same' }, input, title);
  }
  const parsed = ProvidersFileSchema.safeParse(parseJsonText(input.fileText, title));
  if (!parsed.success) throw new ConfigError(title, describeIssues(parsed.error.issues));
  return setupFrom(parsed.data.providers, parsed.data.defaults.coaching, input, title);
}

function setupFrom(
  providers: readonly ProviderEntry[],
  coaching: CoachingDefaults,
  input: LoadProvidersInput,
  title: string,
): ProviderSetup {
  const problems: string[] = [];
  const warnings: string[] = [];
  const instances: Instance[] = [];
  providers.forEach((provider, index) => {
    const at = (field: string) => formatPath(['providers', index, field]);
    const apiKey = resolveApiKey(provider, input.env);
    if (!apiKey.ok) problems.push(`${at('apiKey')}: ${apiKey.reason}`);
    if (provider.models === undefined && Object.keys(catalogEntry(provider.type).models).length === 0) {
      problems.push(
        `${at('models')}: required for provider "${provider.id}": the catalog lists no models for type ${provider.type}`,
      );
    }
    if (problems.length > 0 || !apiKey.ok) return;
    const keyLength = apiKey.value.reveal().length;
    if (provider.apiKey !== undefined && keyLength < SHORTEST_REAL_KEY) {
      warnings.push(
        `${at('apiKey')}: ${keyLength} character${keyLength === 1 ? '' : 's'}, too short to be a real key (fine for a local server); provider messages are redacted only where it stands as a whole word`,
      );
    }
    const baseUrl = provider.baseUrl ?? (provider.type === 'simulated' ? input.simulatorUrl : undefined);
    instances.push(
      ...expandProvider({
        id: provider.id,
        type: provider.type,
        apiKey: apiKey.value,
        ...(baseUrl === undefined ? {} : { baseUrl }),
        ...(provider.models === undefined ? {} : { models: provider.models }),
        ...(provider.free === undefined ? {} : { free: provider.free }),
        ...(provider.maxConcurrent === undefined ? {} : { maxConcurrent: provider.maxConcurrent }),
      }),
    );
  });
  if (problems.length === 0 && coaching.model !== undefined) {
    if (!instances.some((instance) => instance.model === coaching.model)) {
      problems.push(`defaults.coaching.model: no provider serves model "${coaching.model}"`);
    }
  }
  if (problems.length > 0) throw new ConfigError(title, problems);
  return deepFreeze({
    instances: sortById(instances),
    defaults: { coaching: { ...coaching } },
    warnings,
  });
}

type Resolved = { ok: true; value: Secret } | { ok: false; reason: string };

function resolveApiKey(provider: ProviderEntry, env: Record<string, string | undefined>): Resolved {
  // The simulator needs no key; the provider id stands in, so it can still tell credentials apart.
  if (provider.apiKey === undefined) return { ok: true, value: new Secret(provider.id) };
  const reference = ENV_REFERENCE.exec(provider.apiKey);
  if (reference === null) {
    if (provider.apiKey.startsWith('env:')) {
      return { ok: false, reason: 'env: must be followed by a variable name (letters, digits, _)' };
    }
    return { ok: true, value: new Secret(provider.apiKey) };
  }
  const name = reference[1]!;
  const value = env[name]?.trim();
  if (value === undefined || value === '') {
    return {
      ok: false,
      reason: `environment variable ${name} is not set (provider "${provider.id}")`,
    };
  }
  return { ok: true, value: new Secret(value) };
}

/**
 * Reads a providers file for loadProviders, turning "missing", "unreadable" and "not JSON" into a
 * ConfigError that names the file (and, for JSON, the position) instead of a bare stack trace.
 */
export async function readProvidersFile(path: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EACCES'
          ? 'permission denied'
          : code === 'EISDIR'
            ? 'is a directory'
            : `cannot be read (${code ?? 'unknown error'})`;
    throw new ConfigError(`Cannot read providers file ${path}`, [`PROVIDERS_FILE: ${why}`]);
  }
  parseJsonText(text, `Invalid providers file ${path}`);
  return text;
}
