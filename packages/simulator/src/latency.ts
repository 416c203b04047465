import type { Latency } from './types.js';

/** One draw of a configured latency, in whole milliseconds. */
export function drawLatency(latency: Latency | undefined, random: () => number): number {
  if (latency === undefined) return 0;
  if (typeof latency === 'number') return Math.max(0, latency);
  const { min, max } = latency;
  return Math.max(0, Math.round(min + (Math.max(min, max) - min) * random()));
}

/**
 * Pending delays that `close()` can cut short, so a closing simulator does not keep the process alive
 * for the rest of a simulated latency.
 */
export class Delays {
  private pending = new Set<() => void>();

  wait(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        this.pending.delete(finish);
        resolve();
      };
      const timer = setTimeout(finish, ms);
      this.pending.add(finish);
    });
  }

  cancelAll(): void {
    for (const finish of [...this.pending]) finish();
  }
}
