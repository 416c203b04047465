import type { JobPriority } from './priority.js';
import type { CoachingResult, PlanResult } from './results.js';

export const JOBS_QUEUE = 'jobs';

export type JobKind = 'plan' | 'coaching';

export interface CoachingPolicy {
  policy: 'same' | 'upgrade';
  model?: string;
}

/** What a job carries in BullMQ. No secrets: tenants are names, never keys. */
export interface JobData {
  kind: JobKind;
  tenant: string;
  createdAt: number;
  /** Past this moment a job still waiting for capacity fails with capacity_exhausted. */
  deadlineAt: number;
  model?: string;
  fallback?: 'any' | 'same-model';
  callbackUrl?: string;
  metadata?: Record<string, unknown>;
  batchId?: string;
  customId?: string;
  /** What the request asked for (its BullMQ priority comes from it: priority.ts). */
  priority?: JobPriority;
  /** Set on a plan job submitted with coaching: the chained coaching job's id. */
  coachingJobId?: string;
  plan?: { description: string; date?: string; coaching?: CoachingPolicy };
  coaching?: {
    /** The plan to coach (inline, or copied from the plan job when it completed). */
    plan?: PlanResult;
    description?: string;
    planJobId?: string;
    /** The model that produced the plan; the `same` policy starts there. */
    planModel?: string;
    planInstance?: string;
    policy: CoachingPolicy;
  };
}

export interface Attempt {
  instance: string;
  model: string;
  outcome: 'ok' | 'rate_limited' | 'error';
  at: string;
  retryAfterMs?: number;
  /** Why this attempt went where it did, or what went wrong (e.g. "upgrade had headroom"). */
  note?: string;
}

/** The attempts left out of a long list (between the first and the last ones), by outcome. */
export interface OmittedAttempts {
  count: number;
  ok: number;
  rate_limited: number;
  error: number;
}

/** Where a job waits while it is parked (see packages/core/src/waiting). */
export interface Parked {
  /** The line: "c:…" for capacity, "p:<planJobId>" for a coaching job waiting for its plan. */
  line: string;
  /** When the job first parked on this line: parked again, it keeps its place at the front. */
  order: number;
}

/** The job's live state beside BullMQ's: kept in the job's progress field, written per attempt. */
export interface JobProgress {
  /** The first and the last attempts (see addAttempt); `attemptsOmitted` counts the ones between. */
  attempts: Attempt[];
  attemptsOmitted?: OmittedAttempts;
  /** Set while the job waits for capacity (epoch ms when capacity returns for its line). */
  waitingUntil?: number;
  /** Set while the job is parked on a line (and left there once it runs, as a note of where it was). */
  parked?: Parked;
  /** After "request too large": only models with a larger context window than this (kept across waits). */
  largerThanContext?: number;
  coaching?: { jobId: string };
  startedAt?: number;
  /** Written just before the job fails, so the view can show the code and its details. */
  failure?: JobFailure;
}

/** What a job produces: a plan or a coaching review. */
export type JobOutput = PlanResult | CoachingResult;

/**
 * What BullMQ keeps as a completed job's return value: the output with the attempts that led to
 * it. Writing the attempts with the result (one write, at completion) rather than as progress
 * saves a Redis round trip on every job that succeeds at once, the common case.
 */
export interface JobResult {
  result: JobOutput;
  attempts: Attempt[];
  attemptsOmitted?: OmittedAttempts;
}

export interface JobFailure {
  code: string;
  message: string;
  /** e.g. capacityReturnsAt, raw invalid output */
  details?: Record<string, unknown>;
}
