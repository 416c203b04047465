import type { Instance } from '../catalog/instance.js';
import type { LimitScope } from '../signals/outcome.js';

/** OpenRouter names its free variants `<model>:free`; their daily allowance is the key's, apart. */
export function isFreeVariant(instance: Pick<Instance, 'model'>): boolean {
  return instance.model.endsWith(':free');
}

/** The key of a limit of `scope`, as lua/limit.lua sets it and choose/snapshot read it. */
export function limitKey(root: string, instance: Instance, scope: LimitScope): string {
  switch (scope) {
    case 'instance':
      return `${root}:limit:i:${instance.id}`;
    case 'model':
      return `${root}:limit:m:${instance.type}:${instance.model}`;
    case 'credential':
      return `${root}:limit:c:${instance.providerId}`;
    case 'free-models':
      return `${root}:limit:f:${instance.providerId}`;
  }
}

export function windowKeys(root: string, instance: Instance): [minute: string, day: string] {
  return [`${root}:w:m:${instance.id}`, `${root}:w:d:${instance.id}`];
}

export const statedLimitsKey = (root: string, instance: Instance) => `${root}:limits:${instance.id}`;
export const hintsKey = (root: string, instance: Instance) => `${root}:hints:${instance.id}`;
export const disabledKey = (root: string, instance: Instance) => `${root}:disabled:${instance.id}`;
export const strikesKey = (root: string, instance: Instance) => `${root}:strikes:${instance.id}`;
/** The calls in flight to an instance with a concurrency cap (see lua/includes/in-flight.lua). */
export const inFlightKey = (root: string, instance: Instance) => `${root}:inflight:${instance.id}`;

/**
 * The ten keys of one instance, in the order lua/includes/instance.lua names them. A paid model
 * is not bound by its credential's free-model allowance: its fifth key is the credential's again.
 */
export function instanceKeys(root: string, instance: Instance): string[] {
  return [
    disabledKey(root, instance),
    limitKey(root, instance, 'instance'),
    limitKey(root, instance, 'model'),
    limitKey(root, instance, 'credential'),
    limitKey(root, instance, isFreeVariant(instance) ? 'free-models' : 'credential'),
    ...windowKeys(root, instance),
    statedLimitsKey(root, instance),
    hintsKey(root, instance),
    inFlightKey(root, instance),
  ];
}
