import {
  type RedisClient,
  readStoredMetrics,
  type StoredMetricDefinition,
  type StoredSample,
  WORKER_METRICS,
} from '@spillway/core';
import type { Registry } from 'prom-client';
import { registerSnapshotMetric, type Sample, sharedRead } from './snapshot-metric.js';

export interface WorkerTotalsDeps {
  redis: RedisClient;
  /** QUEUE_PREFIX as configured. */
  prefix: string;
}

/**
 * The counters and histograms every worker process adds to Redis, served as totals over all workers.
 * One HGETALL per scrape serves them all.
 */
export function registerWorkerTotals(registry: Registry, deps: WorkerTotalsDeps): void {
  const stored = sharedRead(() => readStoredMetrics(deps.redis, deps.prefix));
  for (const definition of Object.values(WORKER_METRICS) as StoredMetricDefinition[]) {
    registerSnapshotMetric(registry, {
      name: definition.name,
      help: definition.help,
      type: definition.type,
      read: async () => samplesOf(definition, await stored()),
    });
  }
}

function samplesOf(definition: StoredMetricDefinition, stored: readonly StoredSample[]): Sample[] {
  if (definition.type === 'counter') {
    return stored
      .filter((s) => s.name === definition.name)
      .map((s) => ({ labels: { ...s.labels }, value: s.value }));
  }
  const part = (sample: StoredSample) => histogramPart(definition, sample.name);
  return stored
    .filter((s) => part(s) !== undefined)
    .sort((a, b) => seriesKey(a).localeCompare(seriesKey(b)) || part(a)! - part(b)! || le(a) - le(b))
    .map((s) => ({ metricName: s.name, labels: { ...s.labels }, value: s.value }));
}

const HISTOGRAM_PARTS: Readonly<Record<string, number>> = { _bucket: 1, _sum: 2, _count: 3 };

/** Where a sample goes within its histogram series (buckets, then sum, then count), or undefined if not ours. */
function histogramPart(definition: StoredMetricDefinition, name: string): number | undefined {
  return name.startsWith(definition.name) ? HISTOGRAM_PARTS[name.slice(definition.name.length)] : undefined;
}

/** A histogram's series: its labels without `le`, so each series' buckets, sum and count stay together. */
function seriesKey(sample: StoredSample): string {
  const { le: _bound, ...labels } = sample.labels;
  return JSON.stringify(labels);
}

function le(sample: StoredSample): number {
  const bound = sample.labels.le;
  return bound === undefined ? 0 : bound === '+Inf' ? Number.POSITIVE_INFINITY : Number(bound);
}
