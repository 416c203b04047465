import type { ProviderType } from '../catalog/types.js';
import type { ProviderAnswer } from '../providers/types.js';
import { isCapacity, isQuotaExhausted, isTooLarge } from './classify.js';
import { readErrorBody } from './error-body.js';
import { lowerCaseKeys } from './headers.js';
import { assertNever, type ProviderOutcome } from './outcome.js';
import { jittered, readRateLimit, specificRetryHintMs } from './rate-limit.js';

export interface ParseOutcomeOptions {
  /** Source of jitter in [0, 1); inject a fixed one for deterministic tests. */
  random?: () => number;
  /** Wait after a 429 that carries no hint at all, before ±20% jitter. */
  defaultRetryMs?: number;
  /** Wait after a capacity answer (queue full, overloaded) that carries no hint, before jitter. */
  capacityRetryMs?: number;
  /** The moment the answer arrived (epoch ms), for HTTP dates and RFC 3339 resets. */
  now?: number;
  /** Settles header dialects that only the provider type tells apart (Groq's per-day request headers). */
  provider?: ProviderType;
}

const DEFAULT_RETRY_MS = 30_000;
const DEFAULT_CAPACITY_RETRY_MS = 5_000;
const MAX_MESSAGE_LENGTH = 500;

type HttpError = Extract<ProviderAnswer, { kind: 'http_error' }>;
type Transport = Extract<ProviderAnswer, { kind: 'transport' }>;

function shorten(message: string): string {
  return message.length > MAX_MESSAGE_LENGTH ? `${message.slice(0, MAX_MESSAGE_LENGTH - 1)}…` : message;
}

function fromTransport(answer: Transport): ProviderOutcome {
  switch (answer.failure) {
    case 'timeout':
      return { code: 'timeout', message: answer.message };
    // An abort is the caller's own decision (cancel, shutdown); to the provider it is a dropped connection.
    case 'aborted':
    case 'connection':
      return { code: 'network', message: answer.message };
    default:
      return assertNever(answer.failure, 'transport failure');
  }
}

function fromHttpError(answer: HttpError, options: ParseOutcomeOptions): ProviderOutcome {
  const { status } = answer;
  const headers = lowerCaseKeys(answer.headers);
  const body = readErrorBody(answer.body);
  const now = options.now ?? Date.now();
  const random = options.random ?? Math.random;
  const message = shorten(body.message ?? `HTTP ${status}`);

  if (isQuotaExhausted(status, body)) return { code: 'quota_exhausted', message };
  if (status < 500 && isTooLarge(status, body)) return { code: 'too_large', message };
  if (status >= 429 && isCapacity(status, body)) {
    const retryAfterMs =
      specificRetryHintMs(headers, body, now) ??
      jittered(options.capacityRetryMs ?? DEFAULT_CAPACITY_RETRY_MS, random);
    return { code: 'capacity', retryAfterMs, message };
  }
  if (status === 429) {
    const verdict = readRateLimit(headers, body, now, {
      defaultRetryMs: options.defaultRetryMs ?? DEFAULT_RETRY_MS,
      random,
      provider: options.provider,
    });
    return { code: 'rate_limited', ...verdict, message };
  }
  if (status === 408) return { code: 'timeout', message };
  if (status >= 500) return { code: 'server_error', status, message };
  return { code: 'client_error', status, message };
}

/** Decides what a provider answer means. Total: every answer maps to exactly one outcome. */
export function parseOutcome(answer: ProviderAnswer, options: ParseOutcomeOptions = {}): ProviderOutcome {
  switch (answer.kind) {
    case 'ok':
      return { code: 'ok' };
    case 'transport':
      return fromTransport(answer);
    case 'http_error':
      return fromHttpError(answer, options);
    default:
      return assertNever(answer, 'provider answer');
  }
}
