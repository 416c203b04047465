import { hashTaggedPrefix } from '../keys.js';
import { JobError } from './failure.js';
import type { JobView } from './view-schema.js';

export const CANCELLED_CODE = 'cancelled';
const CANCELLED_MESSAGE = 'cancelled by the client';

/** As long as finished jobs stay readable (removeOnFail), so a cancelled job reads the same for as long. */
export const CANCEL_MARK_TTL_SECONDS = 7 * 86_400;

/**
 * Present once a client cancelled a job. Workers check it before they start a job and while its
 * provider call runs; the API reads it for jobs that were removed from the queue outright.
 */
export function cancelMarkKey(prefix: string, jobId: string): string {
  return `${hashTaggedPrefix(prefix)}:cancelled:${jobId}`;
}

export interface CancelMark {
  tenant: string;
  /** When the client cancelled (epoch ms). */
  at: number;
  /** The job's final view, kept when the job itself was removed from the queue (it is all that is left). */
  view?: JobView;
}

export function parseCancelMark(text: string | null | undefined): CancelMark | null {
  if (!text) return null;
  try {
    const mark = JSON.parse(text) as Partial<CancelMark>;
    if (typeof mark.tenant !== 'string' || typeof mark.at !== 'number') return null;
    return mark as CancelMark;
  } catch {
    return null;
  }
}

/** The failure a cancelled job ends with; its message becomes BullMQ's failedReason `cancelled: …`. */
export function cancelledError(): JobError {
  return new JobError(CANCELLED_CODE, CANCELLED_MESSAGE);
}

/** A view as it reads once the job is cancelled: terminal, no result, the `cancelled` error. */
export function cancelledView(view: JobView, at: number): JobView {
  const { result: _result, waitingUntil: _waitingUntil, estimatedStartAt: _estimatedStartAt, ...rest } = view;
  return {
    ...rest,
    status: 'cancelled',
    finishedAt: view.finishedAt ?? new Date(at).toISOString(),
    error: { code: CANCELLED_CODE, message: CANCELLED_MESSAGE },
  };
}
