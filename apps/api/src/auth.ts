import { hash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Secret } from '@spillway/core';

export interface Authenticator {
  /** The tenant a bearer key belongs to, or null. */
  tenantFor(key: string): string | null;
}

// One-shot hashing: no Hash object per request (every /v1 request digests its key).
const digest = (key: string) => hash('sha256', key, 'buffer');

/**
 * Keys are kept only as SHA-256 digests and every candidate is compared in constant time, so
 * neither memory dumps nor response timing give a key away.
 */
export function createAuthenticator(keys: ReadonlyArray<{ tenant: string; key: Secret }>): Authenticator {
  const entries = keys.map(({ tenant, key }) => ({ tenant, digest: digest(key.reveal()) }));
  return {
    tenantFor(key) {
      const candidate = digest(key);
      let found: string | null = null;
      for (const entry of entries) {
        if (timingSafeEqual(entry.digest, candidate) && found === null) found = entry.tenant;
      }
      return found;
    },
  };
}

export function generateDevKey(): string {
  return `sk-dev-${randomBytes(18).toString('base64url')}`;
}
