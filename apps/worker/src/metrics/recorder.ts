import {
  addToStoredMetrics,
  histogramIncrements,
  type Logger,
  type MetricLabels,
  type RedisClient,
  sampleField,
} from '@spillway/core';

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
  #flushing: Promise<void> = Promise.resolve();
  readonly #timer: NodeJS.Timeout | undefined;

  constructor(deps: RecorderDeps) {
    this.#deps = deps;
    const every = deps.flushEveryMs ?? 1000;
    // unref: a process that is otherwise done must not stay up for its metrics.
    this.#timer = every > 0 ? setInterval(() => void this.flush(), every).unref() : undefined;
  }

  add(name: string, labels: MetricLabels, by = 1): void {
    this.#bump(sampleField(name, labels), by);
  }

  observe(name: string, labels: MetricLabels, value: number, buckets: readonly number[]): void {
    for (const [field, by] of histogramIncrements(name, labels, value, buckets)) this.#bump(field, by);
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

  async #write(): Promise<void> {
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
