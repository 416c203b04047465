import {
  CANCEL_MARK_TTL_SECONDS,
  type CancelMark,
  cancelledView,
  cancelMarkKey,
  type JobData,
  type JobResult,
  type JobView,
  leaveLine,
  progressOf,
  releaseUnfinished,
} from '@spillway/core';
import type { Job } from 'bullmq';
import type { ApiContext } from './context.js';
import { viewOf } from './job-views.js';

export interface Withdrawal {
  /** Each job's final view, as its cancel mark keeps it. */
  views: Map<string, JobView>;
  /**
   * False when a worker holds one of the jobs, or was handed a parked one: it sees the mark and
   * ends the job as cancelled (with its webhook).
   */
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
  // Every parked one leaves its line, so the waiting counts drop now, not when a release finds it.
  const left = await Promise.all(
    jobs.map((job) => {
      const parked = progressOf(job).parked;
      return parked ? leaveLine(ctx.redis, ctx.prefix, parked.line, job.id!, job.data.batchId) : false;
    }),
  );
  // A lone parked job with a callback goes straight to a worker, which fails it as cancelled at
  // once, so its job.failed webhook goes out as for any job that ends. (Without one, removing it is
  // all there is to do: a batch of parked items is cancelled without a worker touching each.)
  if (jobs.length === 1 && left[0] && jobs[0]!.data.callbackUrl) {
    const promoted = await jobs[0]!.promote().then(
      () => true,
      () => false, // no longer delayed: a release or its deadline just handed it to a worker
    );
    if (promoted || (await jobs[0]!.getState()) !== 'delayed') return { views, removed: false };
  }
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
