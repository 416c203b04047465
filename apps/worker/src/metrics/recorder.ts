import {
  addToStoredMetrics,
  type Logger,
  type MetricLabels,
  type RedisClient,
  sampleField,
} from '@spillway/core';

interface CounterSeries {
  name: string;
  labels: MetricLabels;
  value: number;
}

interface HistogramSeries {
  name: string;
  labels: MetricLabels;
  buckets: readonly number[];
  /** Observations per bucket (not cumulative; the last one is above every bound), sum and count. */
  counts: number[];
  sum: number;
  count: number;
}

export interface RecorderDeps {
  redis: RedisClient;
  /** QUEUE_PREFIX as configured. */
  prefix: string;
  logger: Logger;
  /** How often counts go to Redis; 0 leaves flushing to the caller. */
  flushEveryMs?: number;
}

/**
 * Counts in memory and adds the totals to Redis in one transaction per interval, so counting costs
 * a job no Redis round trip however many jobs run: the traffic is one MULTI a second per process.
 */
export class MetricsRecorder {
  readonly #deps: RecorderDeps;
  #pending = new Map<string, number>();
  // Counting is on every provider call: it only touches a map entry. Field names (sorted-label
  // JSON) and histogram buckets are worked out once per flush, not once per call.
  #counters = new Map<string, CounterSeries>();
  #histograms = new Map<string, HistogramSeries>();
  #flushing: Promise<void> = Promise.resolve();
  readonly #timer: NodeJS.Timeout | undefined;

  constructor(deps: RecorderDeps) {
    this.#deps = deps;
    const every = deps.flushEveryMs ?? 1000;
    // unref: a process that is otherwise done must not stay up for its metrics.
    this.#timer = every > 0 ? setInterval(() => void this.flush(), every).unref() : undefined;
  }

  add(name: string, labels: MetricLabels, by = 1): void {
    const key = seriesKey(name, labels);
    const series = this.#counters.get(key);
    if (series) series.value += by;
    else this.#counters.set(key, { name, labels, value: by });
  }

  observe(name: string, labels: MetricLabels, value: number, buckets: readonly number[]): void {
    const key = seriesKey(name, labels);
    let series = this.#histograms.get(key);
    if (!series) {
      series = { name, labels, buckets, counts: new Array(buckets.length + 1).fill(0), sum: 0, count: 0 };
      this.#histograms.set(key, series);
    }
    let bucket = 0;
    while (bucket < buckets.length && value > buckets[bucket]!) bucket++;
    series.counts[bucket]! += 1;
    series.sum += value;
    series.count += 1;
  }

  /** Writes what was counted so far. One flush at a time; a failed one keeps its counts for the next. */
  flush(): Promise<void> {
    this.#flushing = this.#flushing.then(() => this.#write());
    return this.#flushing;
  }

  /** Stops the timer and writes the last counts (the connection must still be open). */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.flush();
  }

  #bump(field: string, by: number): void {
    this.#pending.set(field, (this.#pending.get(field) ?? 0) + by);
  }

  /** Moves what was counted since the last flush into field increments. */
  #collect(): void {
    for (const series of this.#counters.values())
      this.#bump(sampleField(series.name, series.labels), series.value);
    this.#counters = new Map();
    for (const series of this.#histograms.values()) {
      // Cumulative buckets, as the exposition format wants them: one field per bound per flush.
      let within = 0;
      series.buckets.forEach((bound, i) => {
        within += series.counts[i]!;
        this.#bump(sampleField(`${series.name}_bucket`, { ...series.labels, le: String(bound) }), within);
      });
      this.#bump(sampleField(`${series.name}_bucket`, { ...series.labels, le: '+Inf' }), series.count);
      this.#bump(sampleField(`${series.name}_sum`, series.labels), series.sum);
      this.#bump(sampleField(`${series.name}_count`, series.labels), series.count);
    }
    this.#histograms = new Map();
  }

  async #write(): Promise<void> {
    this.#collect();
    if (this.#pending.size === 0) return;
    const batch = this.#pending;
    this.#pending = new Map();
    try {
      await addToStoredMetrics(this.#deps.redis, this.#deps.prefix, batch);
    } catch (err) {
      // Counts survive a Redis hiccup: they join whatever is counted until the next flush.
      for (const [field, by] of batch) this.#bump(field, by);
      this.#deps.logger.warn({ err }, 'could not write metrics; keeping the counts for the next try');
    }
  }
}

/** Label values in the caller's key order: call sites pass labels in one fixed order. */
function seriesKey(name: string, labels: MetricLabels): string {
  let key = name;
  for (const k in labels) key += `\u0000${k}=${labels[k]}`;
  return key;
}
