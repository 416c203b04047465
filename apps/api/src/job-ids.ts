import { randomHex } from './random-hex.js';

/** Unguessable, URL-safe, sortable-enough ids: `job_` + time + randomness. */
export function newJobId(clock: () => number): string {
  return `job_${clock().toString(36)}${randomHex(10)}`;
}

export const isJobId = (id: string) => /^job_[a-z0-9]{8,40}$/.test(id);
