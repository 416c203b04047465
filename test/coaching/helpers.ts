import { expect } from 'vitest';
import type { Stack } from '../support/stack.js';

/** The parts of a job view these tests read. */
export interface View {
  id: string;
  kind: 'plan' | 'coaching';
  status: string;
  startedAt?: string;
  finishedAt?: string;
  result?: Record<string, unknown>;
  error?: { code: string; message: string; details?: Record<string, unknown> };
  attempts: Array<{ instance: string; model: string; outcome: string; note?: string; retryAfterMs?: number }>;
  coaching?: { jobId: string; status: string };
  planJobId?: string;
}

/** POSTs a job and expects 202; the accepted view. */
export async function submit(stack: Stack, path: string, body: unknown): Promise<View> {
  const response = await stack.request('POST', path, body);
  const text = await response.text();
  expect(response.status, text).toBe(202);
  return JSON.parse(text) as View;
}

export async function finished(stack: Stack, id: string, timeoutMs?: number): Promise<View> {
  return (await stack.waitForJob(id, timeoutMs)) as unknown as View;
}

/** Requests the simulator answered or faulted, summed over every model. */
export function simulatorCalls(stack: Stack): number {
  return Object.values(stack.sim.stats()).reduce((sum, s) => sum + s.accepted + s.faults + s.rateLimited, 0);
}
