import type { ModelStats, SimStats } from './types.js';

/** What happened to each model's requests, for tests and the bench to assert on. */
export class StatsRecorder {
  private byModel = new Map<string, ModelStats>();

  constructor(private readonly models: string[]) {
    this.clear();
  }

  accepted(model: string, at: number, tokens: number): void {
    const stats = this.of(model);
    stats.accepted++;
    stats.acceptedAt.push(at);
    stats.tokensAt.push([at, tokens]);
  }

  inFlight(model: string, calls: number): void {
    const stats = this.of(model);
    stats.peakInFlight = Math.max(stats.peakInFlight, calls);
  }

  queueExceeded(model: string): void {
    this.of(model).queueExceeded++;
  }

  rateLimited(model: string): void {
    this.of(model).rateLimited++;
  }

  fault(model: string): void {
    this.of(model).faults++;
  }

  /** A copy: callers keep a snapshot that later requests do not change. */
  snapshot(): SimStats {
    return Object.fromEntries(
      [...this.byModel].map(([model, s]) => [
        model,
        {
          ...s,
          acceptedAt: [...s.acceptedAt],
          tokensAt: s.tokensAt.map(([at, t]) => [at, t] as [number, number]),
        },
      ]),
    );
  }

  clear(): void {
    this.byModel = new Map(this.models.map((m) => [m, emptyStats()]));
  }

  private of(model: string): ModelStats {
    let stats = this.byModel.get(model);
    if (!stats) {
      stats = emptyStats();
      this.byModel.set(model, stats);
    }
    return stats;
  }
}

function emptyStats(): ModelStats {
  return {
    accepted: 0,
    rateLimited: 0,
    faults: 0,
    acceptedAt: [],
    tokensAt: [],
    peakInFlight: 0,
    queueExceeded: 0,
  };
}
