/**
 * Reads a provider's error body into the few facts the signal parser needs. Providers disagree on the
 * shape: OpenAI, Groq and OpenRouter nest `{ error: { message, type, code } }`, Cerebras and Mistral put
 * those fields at the top level, Anthropic sends `{ type: 'error', error: { type, message } }`, Google
 * sends `{ error: { status, details: [...] } }` and, on its OpenAI-compatible endpoint, a JSON array of
 * one such object. Anything unreadable is kept as plain text.
 */
export interface ErrorBody {
  /** The provider's human-readable message, or the raw text when the body is not JSON. */
  message?: string;
  /** Machine codes and types found anywhere usual (`insufficient_quota`, `RESOURCE_EXHAUSTED`...), lower-cased. */
  codes: string[];
  /** Google RetryInfo.retryDelay, as written (`"47.434392449s"`). */
  retryDelay?: string;
  /** Google QuotaFailure violations. */
  quotaViolations: QuotaViolation[];
  /** Rate-limit headers a gateway copied into the body (OpenRouter `metadata.headers`), lower-cased. */
  embeddedHeaders: Record<string, string>;
}

export interface QuotaViolation {
  quotaId: string;
  quotaValue?: string;
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string' && value.trim() !== '') return value;
  if (typeof value === 'number') return String(value);
  return undefined;
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

function readDetails(details: unknown, into: ErrorBody): void {
  if (!Array.isArray(details)) return;
  for (const detail of details) {
    if (!isObject(detail)) continue;
    const type = text(detail['@type']) ?? '';
    if (type.endsWith('google.rpc.RetryInfo')) {
      into.retryDelay = text(detail.retryDelay) ?? into.retryDelay;
    } else if (type.endsWith('google.rpc.QuotaFailure') && Array.isArray(detail.violations)) {
      for (const violation of detail.violations) {
        if (!isObject(violation)) continue;
        const quotaId = text(violation.quotaId);
        if (quotaId) into.quotaViolations.push({ quotaId, quotaValue: text(violation.quotaValue) });
      }
    }
  }
}

function readMetadata(metadata: unknown, into: ErrorBody): string | undefined {
  if (!isObject(metadata)) return undefined;
  if (isObject(metadata.headers)) {
    for (const [name, value] of Object.entries(metadata.headers)) {
      const headerValue = text(value);
      if (headerValue !== undefined) into.embeddedHeaders[name.toLowerCase()] = headerValue;
    }
  }
  return text(metadata.raw);
}

export function readErrorBody(body: string): ErrorBody {
  const result: ErrorBody = { codes: [], quotaViolations: [], embeddedHeaders: {} };
  const parsed = parseJson(body);
  const root = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!isObject(root)) {
    const trimmed = body.trim();
    if (trimmed !== '') result.message = trimmed;
    return result;
  }
  const nested = isObject(root.error) ? root.error : undefined;
  for (const source of [nested, root]) {
    if (!source) continue;
    for (const key of ['code', 'type', 'status']) {
      const code = text(source[key]);
      if (code !== undefined && code !== 'error') result.codes.push(code.toLowerCase());
    }
  }
  const message = text(nested?.message) ?? text(root.message) ?? text(root.error);
  // OpenRouter's own message is generic ("Provider returned error"); the upstream text is the signal.
  const upstream = readMetadata(nested?.metadata ?? root.metadata, result);
  result.message = upstream && message ? `${message}: ${upstream}` : (upstream ?? message);
  readDetails(nested?.details ?? root.details, result);
  return result;
}
