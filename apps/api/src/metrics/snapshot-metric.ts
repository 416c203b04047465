import type { Metric, Registry } from 'prom-client';

export interface Sample {
  /** Defaults to the metric's name; a histogram's samples name their `_bucket`, `_sum` or `_count`. */
  metricName?: string;
  labels: Record<string, string | number>;
  value: number;
}

export interface SnapshotMetric {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  /** The samples as they are now, read at scrape time. */
  read(): Promise<Sample[]>;
}

/**
 * Registers a metric whose samples are read afresh at every scrape (from BullMQ, the pool or the
 * worker totals in Redis). Unlike a prom-client Gauge filled in `collect()`, it keeps no state, so
 * two overlapping scrapes cannot reset each other's values halfway through.
 */
export function registerSnapshotMetric(registry: Registry, metric: SnapshotMetric): void {
  const { name, help, type } = metric;
  const adapter = {
    name,
    help,
    type,
    aggregator: 'sum' as const,
    async get() {
      return { name, help, type, aggregator: 'sum' as const, values: await metric.read() };
    },
    reset() {},
  };
  // The registry takes any object with name, help, type and get(); its typings list only its own classes.
  registry.registerMetric(adapter as unknown as Metric);
}

/**
 * Shares one read between every caller until it settles: the metrics of one scrape that come from
 * the same source (one getJobCounts, one pool snapshot, one HGETALL) cost one round trip.
 */
export function sharedRead<T>(read: () => Promise<T>): () => Promise<T> {
  let running: Promise<T> | undefined;
  return () => {
    running ??= read().finally(() => {
      running = undefined;
    });
    return running;
  };
}
