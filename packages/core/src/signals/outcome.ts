/**
 * Who a rate limit binds: one credential × one model, the model on every credential, the whole
 * credential, or only the credential's free models (OpenRouter's free-models-per-day allowance).
 */
export type LimitScope = 'instance' | 'model' | 'credential' | 'free-models';
/** What a limit counts: requests or tokens; unknown when the answer does not say. */
export type LimitMeasure = 'requests' | 'tokens' | 'unknown';
export type LimitWindow = 'minute' | 'day' | 'unknown';

/**
 * What a provider answer means for the pool and the job, keyed by `code`. Consumers decide on it in one
 * exhaustive `switch (outcome.code)` ending in `assertNever`, so a new code cannot be silently ignored.
 */
export type ProviderOutcome =
  | { code: 'ok' }
  | {
      code: 'rate_limited';
      scope: LimitScope;
      window: LimitWindow;
      /** What the refused limit counts: a token limit must not be learned as a request limit. */
      measure: LimitMeasure;
      retryAfterMs: number;
      /** False when the provider gave no hint and retryAfterMs is the jittered default. */
      hinted: boolean;
      message: string;
    }
  /** Provider-wide congestion (Cerebras queue_exceeded, Anthropic 529): a short backoff, not a quota. */
  | { code: 'capacity'; retryAfterMs: number; message: string }
  /** The request does not fit this model (413, context length, TPM smaller than the request). */
  | { code: 'too_large'; message: string }
  /** Billing or a zero quota: retrying cannot help until a human acts. */
  | { code: 'quota_exhausted'; message: string }
  | { code: 'server_error'; status: number; message: string }
  | { code: 'timeout'; message: string }
  | { code: 'network'; message: string }
  /** Any other 4xx: the request itself is wrong, fail fast. */
  | { code: 'client_error'; status: number; message: string };

export type ProviderOutcomeCode = ProviderOutcome['code'];

/** The `default` branch of an exhaustive switch: a compile error when a case is missing. */
export function assertNever(value: never, what = 'value'): never {
  throw new Error(`Unhandled ${what}: ${JSON.stringify(value)}`);
}
