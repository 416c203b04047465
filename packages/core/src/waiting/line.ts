import { createHash } from 'node:crypto';
import type { Candidate } from '../pool/candidates.js';

/**
 * The line a job waits on when no candidate can take it: jobs that may use the same instances and
 * need about as many tokens (the same power of two) wait together, oldest first. Jobs on other
 * instances, or small jobs that fit where a large one does not, wait on other lines, so none holds
 * up another.
 */
export function capacityLine(candidates: readonly Candidate[], estimatedTokens: number): string {
  const ids = candidates.map((c) => c.instance.id).sort();
  const hash = createHash('sha1').update(ids.join('\u0000')).digest('hex').slice(0, 12);
  const tokenClass = estimatedTokens <= 1 ? 0 : Math.ceil(Math.log2(estimatedTokens));
  return `c:${hash}:${tokenClass}`;
}

/** The line a coaching job waits on until the plan it coaches finishes. */
export function planLine(planJobId: string): string {
  return `p:${planJobId}`;
}

/**
 * How many calls the candidates, together, take per minute window, from their known per-minute
 * limits (requests, and tokens for a job of this size); 0 when one of them has no known limit.
 */
export function callsPerWindow(candidates: readonly Candidate[], estimatedTokens: number): number {
  let calls = 0;
  for (const { instance } of candidates) {
    const { rpm, tpm } = instance.limits;
    const byTokens = tpm !== undefined && estimatedTokens > 0 ? Math.floor(tpm / estimatedTokens) : undefined;
    const rate = rpm !== undefined && byTokens !== undefined ? Math.min(rpm, byTokens) : (rpm ?? byTokens);
    if (rate === undefined) return 0;
    calls += rate;
  }
  return calls;
}
