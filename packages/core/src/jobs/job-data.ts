import type { JobPriority } from './priority.js';
import type { CoachingResult, PlanResult } from './results.js';

export const JOBS_QUEUE = 'jobs';

/**
 * The jobs queue's BullMQ limiter. Far above any real throughput: it exists because BullMQ only
 * honours the queue-wide rate limit (how a full pool pauses every worker) when a limiter is set,
 * and readers of that rate limit (`getRateLimitTtl(max)`) must pass the same `max`.
 */
export const JOBS_LIMITER = { max: 1_000_000, duration: 1000 } as const;

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

/** The job's live state beside BullMQ's: kept in the job's progress field, written per attempt. */
export interface JobProgress {
  attempts: Attempt[];
  /** Set while the job waits for capacity (epoch ms when the earliest instance frees). */
  waitingUntil?: number;
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
}

export interface JobFailure {
  code: string;
  message: string;
  /** e.g. capacityReturnsAt, raw invalid output */
  details?: Record<string, unknown>;
}
