import { cancelMarkKey } from './cancellation.js';

export interface CancelWatchDeps {
  /**
   * Resolved on first use (BullMQ opens the queue's connection lazily). Only GET is needed, so
   * ioredis and BullMQ's own client wrapper both fit.
   */
  redis: () => Promise<{
    get(key: string): Promise<string | null>;
    mget(keys: string[]): Promise<Array<string | null>>;
  }>;
  prefix: string;
  /** How often the marks of the jobs in flight are read. */
  intervalMs?: number;
  onError?: (err: unknown) => void;
}

/**
 * Tells a worker process that a job it is running was cancelled. One tick reads the marks of every
 * job in flight in the process (pipelined GETs: one round trip), and the timer runs only while some
 * job is watched, so an idle worker costs Redis nothing. Reading the marks, rather than subscribing
 * to a channel, needs no connection of its own and misses no cancel across a reconnect.
 */
export class CancelWatch {
  readonly #deps: CancelWatchDeps;
  readonly #watched = new Map<string, () => void>();
  #timer: NodeJS.Timeout | undefined;
  #checking = false;

  constructor(deps: CancelWatchDeps) {
    this.#deps = deps;
  }

  async isCancelled(jobId: string): Promise<boolean> {
    const redis = await this.#deps.redis();
    return (await redis.get(cancelMarkKey(this.#deps.prefix, jobId))) !== null;
  }

  /** Calls `onCancel` (once) when the job's cancel mark appears; the returned function stops watching. */
  watch(jobId: string, onCancel: () => void): () => void {
    this.#watched.set(jobId, onCancel);
    this.#schedule();
    return () => {
      if (this.#watched.get(jobId) === onCancel) this.#watched.delete(jobId);
      if (this.#watched.size === 0) this.#stop();
    };
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#checking || this.#watched.size === 0) return;
    this.#timer = setTimeout(() => this.#tick(), this.#deps.intervalMs ?? 250);
    this.#timer.unref();
  }

  #tick(): void {
    this.#timer = undefined;
    this.#checking = true;
    void this.#check().finally(() => {
      this.#checking = false;
      this.#schedule();
    });
  }

  #stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  async #check(): Promise<void> {
    const ids = [...this.#watched.keys()];
    if (ids.length === 0) return;
    try {
      const redis = await this.#deps.redis();
      // One command for every job in flight: the cost per tick does not grow with the jobs.
      const marks = await redis.mget(ids.map((id) => cancelMarkKey(this.#deps.prefix, id)));
      ids.forEach((id, index) => {
        if (marks[index] === null) return;
        const onCancel = this.#watched.get(id);
        this.#watched.delete(id);
        onCancel?.();
      });
    } catch (err) {
      this.#deps.onError?.(err);
    }
  }
}
