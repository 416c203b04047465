import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Secret } from '@spillway/core';

export const SESSION_COOKIE = 'spillway_admin';
/** A working day: long enough not to interrupt, short enough that a forgotten browser loses access. */
export const SESSION_TTL_MS = 12 * 3_600_000;

export interface AdminSessions {
  /** A new session token, good until `SESSION_TTL_MS` from now. */
  issue(): string;
  valid(token: string): boolean;
  /** The Set-Cookie header value for `token`: the admin pages only, script-proof, same-site only. */
  cookie(token: string, secure: boolean): string;
}

/**
 * Admin sessions as signed, expiring tokens (`<expiry ms>.<random>.<HMAC>`): nothing to store, so
 * every API replica accepts a session another issued, and a new ADMIN_KEY ends all of them (the
 * signing key is derived from it). The token is opaque to the browser and says nothing of the key.
 */
export function adminSessions(adminKey: Secret, clock: () => number): AdminSessions {
  const signingKey = createHash('sha256').update(`spillway admin session\0${adminKey.reveal()}`).digest();
  const sign = (payload: string) => createHmac('sha256', signingKey).update(payload).digest('base64url');
  return {
    issue() {
      const payload = `${clock() + SESSION_TTL_MS}.${randomBytes(16).toString('base64url')}`;
      return `${payload}.${sign(payload)}`;
    },
    valid(token) {
      const cut = token.lastIndexOf('.');
      if (cut < 0) return false;
      const payload = token.slice(0, cut);
      const given = Buffer.from(token.slice(cut + 1));
      const expected = Buffer.from(sign(payload));
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return false;
      const expiresAt = Number(payload.split('.')[0]);
      return Number.isFinite(expiresAt) && clock() < expiresAt;
    },
    cookie(token, secure) {
      const maxAge = Math.floor(SESSION_TTL_MS / 1000);
      return `${SESSION_COOKIE}=${token}; Path=/admin; Max-Age=${maxAge}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
    },
  };
}

/** The value of one cookie in a Cookie header, or null. */
export function cookieValue(header: string | undefined, name: string): string | null {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}
