import type { ProviderSetup } from '../config/providers.js';
import type { ProvidersInForce, ReloadOutcome } from './live-providers.js';

/** Where a process reads the providers configuration in force: LiveProviders, or a fixed one. */
export interface ProvidersSource {
  current(): ProvidersInForce;
  reload(): Promise<ReloadOutcome>;
}

/**
 * A configuration that never changes (tests, benches, embedded use): version "fixed", and a
 * reload keeps it.
 */
export function fixedProviders(given: Pick<ProviderSetup, 'instances' | 'defaults'>): ProvidersSource {
  const setup: ProviderSetup = { warnings: [], ...given };
  const current: ProvidersInForce = {
    version: 'fixed',
    setup,
    instances: setup.instances,
    models: new Set(setup.instances.map((i) => i.model)),
  };
  return {
    current: () => current,
    reload: async () => ({
      ok: true,
      version: current.version,
      changed: false,
      instances: current.instances.length,
    }),
  };
}
