import { Secret } from './secret.js';

/** The outcome of reading one environment variable: a value, or why it is wrong. */
export type EnvValue<T> = { ok: true; value: T } | { ok: false; reason: string };

const ok = <T>(value: T): EnvValue<T> => ({ ok: true, value });
const bad = (reason: string): EnvValue<never> => ({ ok: false, reason });

const MAX_ECHO = 80;

/** Quotes a (non-secret) value for an error message, cut short so a pasted blob cannot flood the log. */
export function echo(raw: string): string {
  return JSON.stringify(raw.length > MAX_ECHO ? `${raw.slice(0, MAX_ECHO)}…` : raw);
}

export function integerBetween(raw: string, min: number, max: number): EnvValue<number> {
  const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    return bad(`must be an integer between ${min} and ${max} (got ${echo(raw)})`);
  }
  return ok(value);
}

export function flag(raw: string): EnvValue<boolean> {
  const normalized = raw.toLowerCase();
  if (normalized === '1' || normalized === 'true') return ok(true);
  if (normalized === '0' || normalized === 'false') return ok(false);
  return bad(`must be 1, true, 0 or false (got ${echo(raw)})`);
}

/** A Redis URL may carry a password, so an error shows it with the password masked. */
export function redisUrl(raw: string): EnvValue<string> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return bad('must be a redis:// or rediss:// URL');
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    if (url.password !== '') url.password = '***';
    return bad(`must be a redis:// or rediss:// URL (got ${echo(url.toString())})`);
  }
  return ok(raw);
}

export function httpUrl(raw: string): EnvValue<string> {
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    return bad(`must be an http:// or https:// URL (got ${echo(raw)})`);
  }
  return ok(raw.replace(/\/+$/, ''));
}

export function matching(raw: string, pattern: RegExp, description: string): EnvValue<string> {
  return pattern.test(raw) ? ok(raw) : bad(`must be ${description} (got ${echo(raw)})`);
}

export function oneOf<T extends string>(raw: string, allowed: readonly T[]): EnvValue<T> {
  const found = allowed.find((candidate) => candidate === raw.toLowerCase());
  return found === undefined ? bad(`must be one of ${allowed.join(', ')} (got ${echo(raw)})`) : ok(found);
}

const TENANT = /^[a-z0-9_-]{1,64}$/;
const MIN_KEY_LENGTH = 16;

export interface TenantKey {
  tenant: string;
  key: Secret;
  /** The most unfinished jobs and batch items the tenant may have; no cap when absent. */
  maxUnfinished?: number;
}

/**
 * `tenant:key[:maxUnfinished],tenant2:key2`. Keys hold no colon: the third field is the cap. Problems are named by entry number only: a tenant name could be a key
 * written in the wrong order, so no part of an entry is ever echoed.
 */
export function apiKeys(raw: string): EnvValue<TenantKey[]> {
  const entries = raw
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (entries.length === 0) return bad('must list at least one tenant:key');
  const problems: string[] = [];
  const result: TenantKey[] = [];
  const tenantsSeen = new Map<string, number>();
  const keysSeen = new Map<string, number>();
  entries.forEach((entry, index) => {
    const n = index + 1;
    const colon = entry.indexOf(':');
    if (colon < 0) {
      problems.push(`entry ${n} must look like tenant:key`);
      return;
    }
    const tenant = entry.slice(0, colon).trim();
    const [keyField = '', capField, ...extra] = entry.slice(colon + 1).split(':');
    const key = keyField.trim();
    if (extra.length > 0) problems.push(`entry ${n} has more than three fields (tenant:key:maxUnfinished)`);
    const cap = capField === undefined ? undefined : Number(capField.trim());
    if (capField !== undefined && !(/^\d+$/.test(capField.trim()) && Number.isSafeInteger(cap) && cap! > 0)) {
      problems.push(`entry ${n} has a maxUnfinished that is not a whole number above 0`);
    }
    if (!TENANT.test(tenant)) problems.push(`entry ${n} has a tenant that does not match [a-z0-9_-]{1,64}`);
    if (key.length < MIN_KEY_LENGTH || /\s/.test(key)) {
      problems.push(`entry ${n} has a key shorter than ${MIN_KEY_LENGTH} characters or containing spaces`);
    }
    const earlierTenant = tenantsSeen.get(tenant);
    if (earlierTenant !== undefined) problems.push(`entries ${earlierTenant} and ${n} name the same tenant`);
    const earlierKey = keysSeen.get(key);
    if (earlierKey !== undefined) problems.push(`entries ${earlierKey} and ${n} use the same key`);
    tenantsSeen.set(tenant, n);
    keysSeen.set(key, n);
    result.push({ tenant, key: new Secret(key), ...(cap === undefined ? {} : { maxUnfinished: cap }) });
  });
  return problems.length > 0 ? bad(problems.join('; ')) : ok(result);
}

const MIN_ADMIN_KEY_LENGTH = 16;

/** ADMIN_KEY: the password of the admin pages (dashboard, pool page). Never echoed. */
export function adminKey(raw: string): EnvValue<Secret> {
  if (raw.length < MIN_ADMIN_KEY_LENGTH || /\s/.test(raw)) {
    return bad(`must be at least ${MIN_ADMIN_KEY_LENGTH} characters without spaces`);
  }
  return ok(new Secret(raw));
}

const WEBHOOK_SECRET_PREFIX = 'whsec_';
const MIN_WEBHOOK_SECRET_BYTES = 24;

/** Standard Webhooks secret: `whsec_` + base64 of the HMAC key. Never echoed. */
export function webhookSecret(raw: string): EnvValue<Secret> {
  const reason = `must be ${WEBHOOK_SECRET_PREFIX} followed by base64 of at least ${MIN_WEBHOOK_SECRET_BYTES} bytes`;
  if (!raw.startsWith(WEBHOOK_SECRET_PREFIX)) return bad(reason);
  const encoded = raw.slice(WEBHOOK_SECRET_PREFIX.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) return bad(reason);
  const bytes = Buffer.from(encoded, 'base64');
  // Buffer skips what it cannot decode; a round trip proves every character was meaningful.
  const canonical = bytes.toString('base64').replace(/=+$/, '') === encoded.replace(/=+$/, '');
  if (!canonical || bytes.length < MIN_WEBHOOK_SECRET_BYTES) return bad(reason);
  return ok(new Secret(raw));
}
