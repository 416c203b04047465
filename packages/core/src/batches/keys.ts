import { hashTaggedPrefix } from '../keys.js';

/**
 * A batch lives as long as its jobs can: the longest deadline (7 days) plus the week a finished
 * job stays readable.
 */
export const BATCH_TTL_SECONDS = 14 * 86_400;

/** The Redis keys of one batch; all under the hash-tagged prefix, so Lua may touch them together. */
export function batchKeys(prefix: string, batchId: string) {
  const root = `${hashTaggedPrefix(prefix)}:batch:${batchId}`;
  return {
    /** Hash: tenant, total, createdAt, callbackUrl?, metadata? (JSON), counters, milestones. */
    record: root,
    /** List, in submission order: `customId\tjobId` per item (the plan job's id). */
    jobs: `${root}:jobs`,
    /** Set of the items (plan job ids) already counted, so a job ends up in the counts once. */
    finished: `${root}:finished`,
  };
}

/** Set of a tenant's batches that may still have unfinished items (for fair priorities). */
export function tenantBatchesKey(prefix: string, tenant: string): string {
  return `${hashTaggedPrefix(prefix)}:batches:tenant:${tenant}`;
}

/** One line of the jobs list. Custom ids cannot contain a tab (see CustomIdSchema). */
export function batchEntry(customId: string, jobId: string): string {
  return `${customId}\t${jobId}`;
}

export function parseBatchEntry(entry: string): { customId: string; jobId: string } {
  const tab = entry.indexOf('\t');
  return { customId: entry.slice(0, tab), jobId: entry.slice(tab + 1) };
}
