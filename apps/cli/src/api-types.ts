/**
 * The parts of the API's answers the CLI reads (DESIGN.md, "HTTP API (v1)"). Declared here rather
 * than imported from the server's packages: the CLI is a client of the HTTP contract, nothing more.
 */
export type JobStatus = 'queued' | 'running' | 'waiting_for_capacity' | 'completed' | 'failed' | 'cancelled';

export const TERMINAL: ReadonlySet<string> = new Set(['completed', 'failed', 'cancelled']);

export interface PlanItem {
  start: string;
  end: string;
  task: string;
  priority: 'high' | 'medium' | 'low';
}

export interface PlanResult {
  summary: string;
  items: PlanItem[];
}

export interface CoachingResult {
  strengths: string[];
  issues: string[];
  improvements: string[];
  energyTips: string[];
}

export interface JobView {
  id: string;
  kind: 'plan' | 'coaching';
  status: JobStatus;
  createdAt: string;
  finishedAt?: string;
  result?: PlanResult | CoachingResult;
  error?: { code: string; message: string };
  attempts: Array<{ instance: string; model: string; outcome: string; at: string }>;
  attemptsOmitted?: { count: number; ok: number; rate_limited: number; error: number };
  waitingUntil?: string;
  estimatedStartAt?: string;
  coaching?: { jobId: string; status: JobStatus };
  batchId?: string;
  customId?: string;
}

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

export interface PoolInstance {
  id: string;
  state: 'available' | 'limited' | 'disabled';
  limitedUntil: string | null;
  reason: string | null;
  limits: Partial<Record<'rpm' | 'tpm' | 'rpd' | 'tpd', number>>;
  learned: Partial<Record<'rpm' | 'tpm' | 'rpd' | 'tpd', number>>;
  usage: { minute: { requests: number; tokens: number }; day: { requests: number; tokens: number } };
}
