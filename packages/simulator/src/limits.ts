/** Sliding-window rate limits per credential × model: requests and tokens, per minute and per day. */

export type WindowName = 'rpm' | 'rpd' | 'tpm' | 'tpd';
export type WindowLimits = Partial<Record<WindowName, number>>;

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

export const WINDOW_MS: Record<WindowName, number> = {
  rpm: MINUTE_MS,
  tpm: MINUTE_MS,
  rpd: DAY_MS,
  tpd: DAY_MS,
};
const WINDOW_NAMES: WindowName[] = ['rpm', 'tpm', 'rpd', 'tpd'];

export function countsTokens(window: WindowName): boolean {
  return window === 'tpm' || window === 'tpd';
}

export function isDaily(window: WindowName): boolean {
  return window === 'rpd' || window === 'tpd';
}

export interface WindowState {
  window: WindowName;
  limit: number;
  used: number;
  remaining: number;
  /** Until the oldest counted request leaves the window, i.e. when `remaining` next rises. */
  resetMs: number;
}

export interface Violation {
  window: WindowName;
  limit: number;
  used: number;
  /** 1 for request windows, the request's tokens for token windows. */
  requested: number;
  /** Until the window has room for this request. */
  retryAfterMs: number;
}

export type Admission =
  | { outcome: 'accepted' }
  | { outcome: 'rate_limited'; violation: Violation }
  /** More tokens than a token window ever holds: waiting cannot help. */
  | { outcome: 'too_large'; window: WindowName; limit: number; requested: number };

interface Entry {
  at: number;
  tokens: number;
}

export class ModelLimiter {
  private entries: Entry[] = [];

  /** `windowMs` shortens the windows for tests that run a "minute" in seconds. */
  constructor(
    private readonly limits: WindowLimits,
    private readonly windowMs: Record<WindowName, number> = WINDOW_MS,
  ) {}

  /** Decides and, when accepted, records in one synchronous step, so concurrent requests cannot overshoot. */
  admit(now: number, tokens: number): Admission {
    this.prune(now);
    let worst: Violation | undefined;
    for (const window of WINDOW_NAMES) {
      const limit = this.limits[window];
      if (limit === undefined) continue;
      const requested = countsTokens(window) ? tokens : 1;
      if (limit > 0 && requested > limit) return { outcome: 'too_large', window, limit, requested };
      const violation = this.violation(now, window, limit, requested);
      // The answer must name the window that frees last, or the client would retry into another 429.
      if (violation && (!worst || violation.retryAfterMs > worst.retryAfterMs)) worst = violation;
    }
    if (worst) return { outcome: 'rate_limited', violation: worst };
    this.entries.push({ at: now, tokens });
    return { outcome: 'accepted' };
  }

  state(now: number, window: WindowName): WindowState | undefined {
    const limit = this.limits[window];
    if (limit === undefined) return undefined;
    const inWindow = this.inWindow(now, window);
    const used = sumOf(inWindow, window);
    const oldest = inWindow[0];
    return {
      window,
      limit,
      used,
      remaining: Math.max(0, limit - used),
      resetMs: oldest ? oldest.at + this.windowMs[window] - now : 0,
    };
  }

  has(window: WindowName): boolean {
    return this.limits[window] !== undefined;
  }

  clear(): void {
    this.entries = [];
  }

  private violation(
    now: number,
    window: WindowName,
    limit: number,
    requested: number,
  ): Violation | undefined {
    const inWindow = this.inWindow(now, window);
    const used = sumOf(inWindow, window);
    if (used + requested <= limit) return undefined;
    // Walk from the oldest entry until enough has left the window for this request to fit.
    let stillUsed = used;
    let retryAfterMs = this.windowMs[window];
    for (const entry of inWindow) {
      stillUsed -= weight(entry, window);
      if (stillUsed + requested <= limit) {
        retryAfterMs = entry.at + this.windowMs[window] - now;
        break;
      }
    }
    return { window, limit, used, requested, retryAfterMs };
  }

  private inWindow(now: number, window: WindowName): Entry[] {
    const since = now - this.windowMs[window];
    return this.entries.filter((e) => e.at > since && e.at <= now).sort((a, b) => a.at - b.at);
  }

  private prune(now: number): void {
    const since = now - DAY_MS;
    if (this.entries.length > 0 && this.entries[0]!.at <= since) {
      this.entries = this.entries.filter((e) => e.at > since);
    }
  }
}

/**
 * One limiter per API key and model, created at the key's first call: like every real provider,
 * the simulator gives each credential its own limits, so two credentials on one model have twice
 * the capacity of one (which is what the pool counts).
 */
export class CredentialLimiters {
  private readonly byCredential = new Map<string, ModelLimiter>();

  constructor(
    private readonly limitsOf: (model: string) => WindowLimits | undefined,
    private readonly windowMs: Record<WindowName, number> = WINDOW_MS,
  ) {}

  /** The limiter of `credential` on `model`, or undefined when the model is not served. */
  for(credential: string, model: string): ModelLimiter | undefined {
    const key = `${credential}\u0000${model}`;
    let limiter = this.byCredential.get(key);
    if (!limiter) {
      const limits = this.limitsOf(model);
      if (!limits) return undefined;
      limiter = new ModelLimiter(limits, this.windowMs);
      this.byCredential.set(key, limiter);
    }
    return limiter;
  }

  clear(): void {
    this.byCredential.clear();
  }
}

function weight(entry: Entry, window: WindowName): number {
  return countsTokens(window) ? entry.tokens : 1;
}

function sumOf(entries: Entry[], window: WindowName): number {
  return entries.reduce((sum, e) => sum + weight(e, window), 0);
}

/** The most timestamps that fall inside any window of `windowMs` (half-open, like the limiter's). */
export function maxInWindow(timestamps: number[], windowMs: number): number {
  return maxWeightInWindow(
    timestamps.map((t) => [t, 1]),
    windowMs,
  );
}

/** The most tokens inside any window of `windowMs`, from `[ms, tokens]` pairs such as `stats().tokensAt`. */
export function maxTokensInWindow(tokensAt: Array<[number, number]>, windowMs: number): number {
  return maxWeightInWindow(tokensAt, windowMs);
}

function maxWeightInWindow(points: Array<[number, number]>, windowMs: number): number {
  const sorted = [...points].sort((a, b) => a[0] - b[0]);
  let best = 0;
  let sum = 0;
  let start = 0;
  for (const [at, w] of sorted) {
    sum += w;
    while (at - sorted[start]![0] >= windowMs) {
      sum -= sorted[start]![1];
      start++;
    }
    best = Math.max(best, sum);
  }
  return best;
}
