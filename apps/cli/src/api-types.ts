/**
 * The parts of the API's answers the CLI reads (DESIGN.md, "HTTP API (v1)"). The job view is the
 * server's own definition (packages/core/src/jobs/view-schema.ts), imported as types only: the
 * CLI stays a client of the HTTP contract, with no server code at run time, and cannot lag it.
 */
import type { CoachingResult, JobPriority, JobStatus, JobView, PlanResult } from '@spillway/core';

export type { CoachingResult, JobPriority, JobStatus, JobView, PlanResult };

export const TERMINAL: ReadonlySet<string> = new Set<JobStatus>(['completed', 'failed', 'cancelled']);

export interface BatchView {
  id: string;
  status: 'queued' | 'running' | 'completed' | 'cancelling' | 'cancelled';
  createdAt: string;
  finishedAt?: string;
  total: number;
  counts: {
    queued: number;
    running?: number;
    waiting_for_capacity?: number;
    completed: number;
    failed: number;
    cancelled: number;
  };
  estimatedCompletionAt?: string;
}

/** One measure of one window of an instance, as `GET /v1/pool` shows it. */
export interface PoolWindow {
  limit: number | null;
  source: 'configured' | 'catalog' | 'header' | 'learned' | null;
  used: number;
  freesAt: string | null;
  exhaustsAt?: string | null;
}

export interface PoolInstance {
  id: string;
  state: 'available' | 'limited' | 'disabled';
  limitedUntil: string | null;
  reason: string | null;
  windows: Record<'minute' | 'day', { requests: PoolWindow; tokens: PoolWindow }>;
  /** For an instance with a concurrency cap: its calls in flight now, across all workers. */
  inFlight: { calls: number; maxConcurrent: number } | null;
}
