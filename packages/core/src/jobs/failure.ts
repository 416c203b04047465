import type { JobFailure } from './job-data.js';

/**
 * A failure with a stable code. Its message is `code: text`, which is what BullMQ keeps as the
 * job's failedReason, so the code survives without any extra storage.
 */
export class JobError extends Error {
  readonly code: string;
  readonly details?: Record<string, unknown>;

  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super(`${code}: ${message}`);
    this.name = 'JobError';
    this.code = code;
    this.details = details;
  }
}

export function failureFromReason(reason: string | undefined): JobFailure {
  const match = /^([a-z][a-z0-9_]*): ([\s\S]*)$/.exec(reason ?? '');
  if (match) return { code: match[1]!, message: match[2]! };
  // BullMQ's words for a parent whose child failed: here, coaching whose plan failed.
  if (/^child .* failed/.test(reason ?? '')) {
    return { code: 'plan_failed', message: 'coaching did not run because its plan job failed' };
  }
  return { code: 'internal_error', message: reason || 'the job failed without a reason' };
}
