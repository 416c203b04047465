import {
  type AddressResolver,
  checkCallbackUrl,
  parseRetryAfter,
  type Secret,
  webhookHeaders,
} from '@spillway/core';
import { type HttpPost, type PostResult, postPinned } from './send.js';

export const USER_AGENT = 'Spillway-Webhooks/1';
export const DEFAULT_DELIVERY_TIMEOUT_MS = 10_000;

export interface AttemptDeps {
  secret: Secret;
  allowPrivate: boolean;
  resolve?: AddressResolver;
  post?: HttpPost;
  timeoutMs?: number;
}

export interface AttemptInput {
  url: string;
  webhookId: string;
  /** The serialized payload: the same bytes on every attempt, so only the timestamp changes. */
  body: string;
  /** Epoch ms of this attempt: the `webhook-timestamp` and the base of an HTTP-date Retry-After. */
  now: number;
}

export type DeliveryOutcome =
  | { kind: 'delivered'; status: number }
  /** 410: the receiver says this endpoint is gone for good. */
  | { kind: 'gone'; status: number }
  /** The URL guard refused the address: no connection was made, and none will be. */
  | { kind: 'refused'; reason: string }
  | { kind: 'retry'; reason: string; status?: number; retryAfterMs?: number };

/**
 * One delivery attempt: vet the URL again (DNS may have changed since the job was accepted),
 * sign, and POST to the vetted address only.
 */
export async function attemptDelivery(input: AttemptInput, deps: AttemptDeps): Promise<DeliveryOutcome> {
  const check = await checkCallbackUrl(input.url, { allowPrivate: deps.allowPrivate, resolve: deps.resolve });
  if (!check.ok) {
    return check.retryable
      ? { kind: 'retry', reason: `callbackUrl ${check.reason}` }
      : { kind: 'refused', reason: `callbackUrl ${check.reason}` };
  }
  const timestampSeconds = Math.floor(input.now / 1000);
  const result = await (deps.post ?? postPinned)({
    url: check.url,
    addresses: check.addresses,
    headers: {
      'content-type': 'application/json',
      'user-agent': USER_AGENT,
      ...webhookHeaders(deps.secret, input.webhookId, timestampSeconds, input.body),
    },
    body: input.body,
    timeoutMs: deps.timeoutMs ?? DEFAULT_DELIVERY_TIMEOUT_MS,
  });
  return classify(result, input.now);
}

function classify(result: PostResult, now: number): DeliveryOutcome {
  if (result.kind === 'error') return { kind: 'retry', reason: result.reason };
  const status = result.status;
  if (status >= 200 && status < 300) return { kind: 'delivered', status };
  if (status === 410) return { kind: 'gone', status };
  if (status >= 300 && status < 400)
    return { kind: 'retry', status, reason: `redirect (${status}) not followed` };
  const retryAfter = status === 429 || status === 503 ? header(result.headers['retry-after']) : undefined;
  const retryAfterMs = retryAfter === undefined ? undefined : parseRetryAfter(retryAfter, now);
  return retryAfterMs === undefined
    ? { kind: 'retry', status, reason: `HTTP ${status}` }
    : { kind: 'retry', status, reason: `HTTP ${status}, retry after ${retryAfterMs} ms`, retryAfterMs };
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
