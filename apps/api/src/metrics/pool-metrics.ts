import type { InstanceState, Pool, ProvidersSource } from '@spillway/core';
import type { Registry } from 'prom-client';
import { registerSnapshotMetric } from './snapshot-metric.js';

const STATES: ReadonlyArray<InstanceState['state']> = ['available', 'limited', 'disabled'];

export interface PoolMetricsDeps {
  pool: Pool;
  /** The providers in force: a reload changes the series at the next scrape. */
  providers: ProvidersSource;
}

/** One series per instance and state, 1 for the state it is in: `sum by (state)` counts instances. */
export function registerPoolMetrics(registry: Registry, deps: PoolMetricsDeps): void {
  registerSnapshotMetric(registry, {
    name: 'spillway_instance_state',
    type: 'gauge',
    help: 'Provider instances (credential x model) by state: 1 for the state the instance is in, 0 for the others.',
    read: async () => {
      const snapshot = await deps.pool.snapshot(deps.providers.current().instances);
      return snapshot.flatMap((instance) =>
        STATES.map((state) => ({
          labels: { instance: instance.id, provider: instance.providerId, model: instance.model, state },
          value: instance.state === state ? 1 : 0,
        })),
      );
    },
  });
}
