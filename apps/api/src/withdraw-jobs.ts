import {
  CANCEL_MARK_TTL_SECONDS,
  type CancelMark,
  cancelledView,
  cancelMarkKey,
  type JobData,
  type JobResult,
  type JobView,
  releaseUnfinished,
} from '@spillway/core';
import type { Job } from 'bullmq';
import type { ApiContext } from './app.js';
import { viewOf } from './job-views.js';

export interface Withdrawal {
  /** Each job's final view, as its cancel mark keeps it. */
  views: Map<string, JobView>;
  /** False when a worker holds one of the jobs: it sees the mark, stops and ends it as cancelled. */
  removed: boolean;
}

/**
 * Takes jobs that have not finished out of the queue as cancelled (a single job, or a coaching
 * parent with its plan child). Each one's final view is written first, in its cancel mark, so a
 * worker that grabs a job in between ends it as cancelled too; then the first job, the root, is
 * removed (a coaching parent takes its plan child along).
 */
export async function withdrawJobs(
  ctx: ApiContext,
  tenant: string,
  jobs: ReadonlyArray<Job<JobData, JobResult>>,
  at: number,
  { withCoaching = true } = {},
): Promise<Withdrawal> {
  const ids = new Set(jobs.map((job) => job.id!));
  const views = new Map<string, JobView>();
  await Promise.all(
    jobs.map(async (job) => {
      const view = cancelledView(await viewOf(ctx, job, withCoaching), at);
      if (view.coaching && ids.has(view.coaching.jobId)) {
        view.coaching = { ...view.coaching, status: 'cancelled' };
      }
      views.set(job.id!, view);
    }),
  );
  await Promise.all(
    jobs.map((job) => {
      const mark: CancelMark = { tenant, at, view: views.get(job.id!) };
      return ctx.redis.set(
        cancelMarkKey(ctx.prefix, job.id!),
        JSON.stringify(mark),
        'EX',
        CANCEL_MARK_TTL_SECONDS,
      );
    }),
  );
  try {
    await jobs[0]!.remove({ removeChildren: jobs.length > 1 });
    // No worker will see these jobs end: their places under the tenant's cap are given back here.
    await releaseUnfinished(ctx.redis, ctx.prefix, tenant, [...ids]);
    return { views, removed: true };
  } catch (err) {
    if (err instanceof Error && /locked/i.test(err.message)) return { views, removed: false };
    throw err;
  }
}
