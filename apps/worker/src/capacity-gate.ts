/**
 * Lets one job at a time (per set of candidate instances, per process) wait in memory for the next
 * free slot. Without it, every job that found the pool full would wake at the same moment and race
 * for one freed slot, a herd of Lua calls per slot; with it, each freed slot costs about one call,
 * and the jobs behind wait on a promise, costing Redis nothing.
 */
export class CapacityGate {
  readonly #tails = new Map<string, Promise<void>>();

  /** Resolves with a release function once it is this caller's turn for `key` (FIFO). */
  async acquire(key: string): Promise<() => void> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => mine);
    this.#tails.set(key, tail);
    await previous;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      release();
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    };
  }
}

/** Sleeps `ms`, or less if any of the signals aborts. */
export function sleep(ms: number, ...signals: Array<AbortSignal | undefined>): Promise<void> {
  const given = signals.filter((s): s is AbortSignal => s !== undefined);
  return new Promise((resolve) => {
    if (given.some((s) => s.aborted)) return resolve();
    const timer = setTimeout(done, Math.max(0, ms));
    for (const signal of given) signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      for (const signal of given) signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
