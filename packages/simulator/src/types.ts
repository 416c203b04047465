/** Whose wire format the simulator copies for rate-limit answers, errors and success headers. */
export const DIALECTS = ['groq', 'openai', 'gemini', 'cerebras', 'anthropic', 'bare'] as const;
export type Dialect = (typeof DIALECTS)[number];

/** A fixed delay, or a uniform draw between min and max, in milliseconds. */
export type Latency = number | { min: number; max: number };

export interface SimModelConfig {
  rpm?: number;
  tpm?: number;
  rpd?: number;
  tpd?: number;
  contextWindow?: number;
  dialect: Dialect;
  latencyMs?: Latency;
  /** Whether answers carry the dialect's remaining/reset headers. Default true. */
  sendRemainingHeaders?: boolean;
  /**
   * The most calls it serves at once per credential; one more is refused at once with Cerebras'
   * 429 `queue_exceeded` (counted in `queueExceeded`, not in the windows). Default: no cap.
   */
  maxConcurrent?: number;
}

export interface SimulatorOptions {
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  models: Record<string, SimModelConfig>;
  /** Milliseconds; drives the rate-limit windows and `created` stamps. Default Date.now. */
  clock?: () => number;
  latencyMs?: Latency;
  /** In [0, 1); drives latency draws and fault probabilities. Default Math.random. */
  random?: () => number;
  /** Length of the "minute" windows (rpm, tpm). Default 60 000; tests shorten it. */
  minuteMs?: number;
}

export interface ModelStats {
  accepted: number;
  rateLimited: number;
  faults: number;
  /** Clock time of each accepted request, in arrival order. */
  acceptedAt: number[];
  /** Clock time and total tokens of each accepted request. */
  tokensAt: Array<[number, number]>;
  /** The most accepted calls of one credential in flight at once (from arrival to answer). */
  peakInFlight: number;
  /** Calls refused because `maxConcurrent` were in flight already. */
  queueExceeded: number;
}

export type SimStats = Record<string, ModelStats>;
