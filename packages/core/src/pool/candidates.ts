import type { Instance } from '../catalog/instance.js';

export interface Candidate {
  instance: Instance;
  /** Lower tiers are tried first; within a tier the pool prefers the most headroom. */
  tier: number;
}

export interface Routing {
  /** A pinned model: only its instances, across credentials, unless fallback is 'any'. */
  model?: string;
  fallback?: 'any' | 'same-model';
  /** After "request too large": only models with a larger context window than this. */
  largerThanContext?: number;
  /** Instances that cannot serve this job (e.g. disabled for it), skipped outright. */
  exclude?: ReadonlySet<string>;
}

/**
 * Orders the instances a job may use, in the tiers of DESIGN.md, relative to the instance the job
 * is "on" (the one that just refused it, or for coaching the plan's): the same model on any
 * credential, then the same provider type with another model, then free providers of other
 * types, then anything else. Pure: the Lua choice does the rest with live state.
 */
export function orderCandidates(
  instances: readonly Instance[],
  current: Pick<Instance, 'model' | 'type'> | null,
  routing: Routing = {},
): Candidate[] {
  const pinned = routing.model;
  const anchor = current ?? (pinned ? (instances.find((i) => i.model === pinned) ?? null) : null);
  const out: Candidate[] = [];
  for (const instance of instances) {
    if (routing.exclude?.has(instance.id)) continue;
    if (
      routing.largerThanContext !== undefined &&
      (instance.contextWindow ?? 0) <= routing.largerThanContext
    ) {
      continue;
    }
    if (pinned && routing.fallback !== 'any' && instance.model !== pinned) continue;
    out.push({ instance, tier: tierOf(instance, anchor) });
  }
  return out.sort((a, b) => a.tier - b.tier || a.instance.id.localeCompare(b.instance.id));
}

function tierOf(instance: Instance, anchor: Pick<Instance, 'model' | 'type'> | null): number {
  if (!anchor) return 0;
  if (instance.model === anchor.model) return 0;
  if (instance.type === anchor.type) return 1;
  if (instance.free) return 2;
  return 3;
}

/**
 * orderCandidates, remembered: every provider call orders the candidates, and jobs routed alike
 * (the same anchor model and routing) get the same list, so it is worked out once per shape.
 * The returned lists are shared: callers must not change them.
 */
export class CandidateOrders {
  readonly #instances: readonly Instance[];
  readonly #orders = new Map<string, readonly Candidate[]>();

  constructor(instances: readonly Instance[]) {
    this.#instances = instances;
  }

  for(current: Pick<Instance, 'model' | 'type'> | null, routing: Routing = {}): readonly Candidate[] {
    if (routing.exclude && routing.exclude.size > 0)
      return orderCandidates(this.#instances, current, routing);
    const key = `${current?.model}\u0000${current?.type}\u0000${routing.model}\u0000${routing.fallback}\u0000${routing.largerThanContext}`;
    let order = this.#orders.get(key);
    if (!order) {
      // Bounded: the shapes are few (models × routings), but a cache must not grow without end.
      if (this.#orders.size >= 1000) this.#orders.clear();
      order = orderCandidates(this.#instances, current, routing);
      this.#orders.set(key, order);
    }
    return order;
  }
}
