import {
  type JobData,
  type JobResult,
  type Logger,
  type RedisClient,
  releaseUnfinished,
} from '@spillway/core';
import type { Job } from 'bullmq';

type AnyJob = Job<JobData, JobResult>;

export interface QuotaReleaseDeps {
  redis: RedisClient;
  /** QUEUE_PREFIX as configured. */
  prefix: string;
  logger: Logger;
}

export interface QuotaRelease {
  /** For the jobs worker's 'completed' event. */
  completed(job: AnyJob): void;
  /** For the jobs worker's 'failed' event; a failure BullMQ will retry is not an end. */
  failed(job: AnyJob | undefined): void;
  /** Waits for the releases still in flight (before the connections close). */
  drain(): Promise<void>;
}

/**
 * Gives back the place a job held under its tenant's cap on unfinished jobs once it has ended
 * (the API holds it at submission, see quotas in packages/core). A plan that fails for good takes
 * its coaching parent down with it, and no worker reports that one: its place goes back here too.
 * Releasing is idempotent, so a job reported twice still leaves once.
 */
export function createQuotaRelease(deps: QuotaReleaseDeps): QuotaRelease {
  const inFlight = new Set<Promise<void>>();
  const release = (tenant: string, ids: string[]) => {
    const work = releaseUnfinished(deps.redis, deps.prefix, tenant, ids).catch((err: unknown) =>
      deps.logger.error({ err, jobIds: ids }, 'could not release the quota places of ended jobs'),
    );
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
  };
  return {
    completed(job) {
      release(job.data.tenant, [job.id!]);
    },
    failed(job) {
      // finishedOn is set only when BullMQ is done with the job: a failure it retries is not the end.
      if (!job || job.finishedOn === undefined) return;
      release(job.data.tenant, job.data.coachingJobId ? [job.id!, job.data.coachingJobId] : [job.id!]);
    },
    async drain() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}
