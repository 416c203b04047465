import { randomBytes } from 'node:crypto';

/** Unguessable, URL-safe, sortable-enough ids: `job_` + time + randomness. */
export function newJobId(clock: () => number): string {
  return `job_${clock().toString(36)}${randomBytes(10).toString('hex')}`;
}

export const isJobId = (id: string) => /^job_[a-z0-9]{8,40}$/.test(id);
