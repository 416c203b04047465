import type { Attempt, JobProgress } from './job-data.js';

/** A job keeps its first attempts (how it started) and its last ones (what happens now). */
export const FIRST_ATTEMPTS_KEPT = 5;
export const LAST_ATTEMPTS_KEPT = 20;

/**
 * Adds an attempt to the job's bounded list: past the first and last ones kept, the oldest of the
 * "last" attempts is dropped and counted in `attemptsOmitted`, so a job that waited through
 * thousands of 429s still has a small view.
 */
export function addAttempt(progress: JobProgress, attempt: Attempt): void {
  progress.attempts.push(attempt);
  if (progress.attempts.length <= FIRST_ATTEMPTS_KEPT + LAST_ATTEMPTS_KEPT) return;
  const [dropped] = progress.attempts.splice(FIRST_ATTEMPTS_KEPT, 1);
  const omitted = progress.attemptsOmitted ?? { count: 0, ok: 0, rate_limited: 0, error: 0 };
  progress.attemptsOmitted = {
    ...omitted,
    count: omitted.count + 1,
    [dropped!.outcome]: omitted[dropped!.outcome] + 1,
  };
}
