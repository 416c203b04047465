/**
 * Accepted calls in flight per credential × model. A model with a `maxConcurrent` is like a
 * provider with a few slots (Cerebras' queue, a local server): one call more is refused at once.
 */
export class ConcurrencySlots {
  private readonly inFlight = new Map<string, number>();

  /** Whether `max` calls are in flight already (never, without a cap). */
  full(credential: string, model: string, max: number | undefined): boolean {
    return max !== undefined && (this.inFlight.get(keyOf(credential, model)) ?? 0) >= max;
  }

  /** One more call in flight; returns how many are now. */
  enter(credential: string, model: string): number {
    const key = keyOf(credential, model);
    const calls = (this.inFlight.get(key) ?? 0) + 1;
    this.inFlight.set(key, calls);
    return calls;
  }

  leave(credential: string, model: string): void {
    const key = keyOf(credential, model);
    const left = (this.inFlight.get(key) ?? 1) - 1;
    if (left <= 0) this.inFlight.delete(key);
    else this.inFlight.set(key, left);
  }

  clear(): void {
    this.inFlight.clear();
  }
}

function keyOf(credential: string, model: string): string {
  return `${credential}\u0000${model}`;
}
