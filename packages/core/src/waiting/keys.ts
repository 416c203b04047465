import { hashTaggedPrefix } from '../keys.js';

/** The waiting lines' keys (see lua/includes.lua): under the same hash tag as the jobs queue. */
export function waitingKeys(prefix: string) {
  const root = `${hashTaggedPrefix(prefix)}:wait`;
  return {
    root,
    line: (line: string) => `${root}:line:${line}`,
    set: (line: string) => `${root}:set:${line}`,
    wakes: `${root}:wakes`,
    counts: `${root}:counts`,
  };
}

/** A job's entry on its line: the batch rides along so the batch's waiting count stays in step. */
export function lineMember(jobId: string, batchId?: string): string {
  return batchId ? `${jobId} ${batchId}` : jobId;
}
