import {
  type BatchRecord,
  type JobStatus,
  type JobView,
  parseBatchEntry,
  readBatchEntries,
} from '@spillway/core';
import type { ApiContext } from '../context.js';
import { findJob, readCancelMark, viewOf } from '../job-views.js';

/** Items read per round: enough to keep Redis busy, small enough to keep memory flat. */
export const RESULTS_PAGE = 500;

export interface ItemOutcome {
  status: JobStatus;
  result?: unknown;
  error?: JobView['error'];
}

/** One line of `GET /v1/batches/{id}/results`. */
export interface ItemResultLine extends ItemOutcome {
  customId: string;
  jobId: string;
  /** Items submitted with coaching: the coaching job. The item's status is the coaching's once the plan completed. */
  coaching?: ItemOutcome & { jobId: string };
}

/**
 * The batch's results as NDJSON, one line per item in submission order, read page by page: the
 * answer streams while it is read, and memory holds one page at a time whatever the batch size.
 */
export async function* batchResultLines(
  ctx: ApiContext,
  record: BatchRecord,
  pageSize = RESULTS_PAGE,
): AsyncGenerator<string> {
  for (let start = 0; start < record.total; start += pageSize) {
    const entries = await readBatchEntries(ctx.redis, ctx.prefix, record.id, start, start + pageSize - 1);
    if (entries.length === 0) return;
    const lines = await Promise.all(entries.map((entry) => itemResult(ctx, record.tenant, entry)));
    yield `${lines.map((line) => JSON.stringify(line)).join('\n')}\n`;
  }
}

async function itemResult(ctx: ApiContext, tenant: string, entry: string): Promise<ItemResultLine> {
  const { customId, jobId } = parseBatchEntry(entry);
  const plan = await jobView(ctx, tenant, jobId);
  if (!plan) {
    return {
      customId,
      jobId,
      status: 'failed',
      error: { code: 'not_found', message: 'the job is gone (its record expired)' },
    };
  }
  const line: ItemResultLine = { customId, jobId, ...outcomeOf(plan) };
  const coachingId = plan.coaching?.jobId;
  if (coachingId) {
    const coaching = await jobView(ctx, tenant, coachingId);
    const outcome: ItemOutcome = coaching ? outcomeOf(coaching) : { status: plan.coaching!.status };
    line.coaching = { jobId: coachingId, ...outcome };
    if (plan.status === 'completed') line.status = outcome.status;
  }
  return line;
}

/** The job's view without its coaching lookup (done separately above), or the view its cancel kept. */
async function jobView(ctx: ApiContext, tenant: string, id: string): Promise<JobView | null> {
  const job = await findJob(ctx, tenant, id);
  if (job) return viewOf(ctx, job, false);
  const mark = await readCancelMark(ctx, id);
  return mark?.tenant === tenant && mark.view ? mark.view : null;
}

function outcomeOf(view: JobView): ItemOutcome {
  const outcome: ItemOutcome = { status: view.status };
  if (view.result !== undefined) outcome.result = view.result;
  if (view.error) outcome.error = view.error;
  return outcome;
}
