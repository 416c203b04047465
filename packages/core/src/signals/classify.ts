import type { ErrorBody } from './error-body.js';

/**
 * Recognisers for the answers that are not what their status suggests. Each reads codes first (stable)
 * and message text second (the only signal some providers give).
 */

const QUOTA_CODES = new Set([
  'insufficient_quota',
  'billing_hard_limit_reached',
  'billing_not_active',
  'billing_error',
]);
const TOO_LARGE_CODES = new Set(['context_length_exceeded', 'request_too_large', 'string_above_max_length']);
const CAPACITY_CODES = new Set(['queue_exceeded', 'overloaded_error']);

const TOO_LARGE_TEXT = [
  /request too large/i, // Groq 413 / OpenAI 429: the request alone exceeds the TPM limit
  /prompt is too long/i, // Anthropic
  /maximum context length/i, // OpenAI, vLLM
  /too large for model/i, // Mistral
  /exceeds the maximum number of tokens/i, // Gemini
  /reduce the length of the messages/i,
];

function hasCode(body: ErrorBody, codes: Set<string>): boolean {
  return body.codes.some((code) => codes.has(code));
}

/** Billing problems and zero quotas: nothing but a human changes them. */
export function isQuotaExhausted(status: number, body: ErrorBody): boolean {
  if (status === 402 || hasCode(body, QUOTA_CODES)) return true;
  const message = body.message ?? '';
  // Google: a free tier that does not include this model at all reports "limit: 0".
  if (/\blimit: 0(?![\d.])/.test(message)) return true;
  if (body.quotaViolations.some((violation) => violation.quotaValue === '0')) return true;
  return /credit balance is too low/i.test(message);
}

export function isTooLarge(status: number, body: ErrorBody): boolean {
  if (status === 413 || hasCode(body, TOO_LARGE_CODES)) return true;
  const message = body.message ?? '';
  return TOO_LARGE_TEXT.some((pattern) => pattern.test(message));
}

/** Provider-wide congestion rather than this credential's quota. */
export function isCapacity(status: number, body: ErrorBody): boolean {
  if (status === 529 || hasCode(body, CAPACITY_CODES)) return true;
  return status === 429 && /experiencing high traffic/i.test(body.message ?? '');
}
