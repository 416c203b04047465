import type { JobData, JobResult, Logger } from '@spillway/core';
import { Job, type Queue } from 'bullmq';
import type { JobWebhooks } from './emit.js';
import type { OwedWebhooks } from './owed.js';

export interface OwedSweepDeps {
  owed: OwedWebhooks;
  /** The jobs queue, to read the jobs the notes name. */
  jobs: Queue<JobData, JobResult>;
  webhooks: JobWebhooks;
  clock: () => number;
  logger: Logger;
  /** How often a worker sweeps; a note must be at least this old to be looked at. */
  intervalMs: number;
}

const BATCH = 100;

/**
 * Queues the webhooks that finished jobs still owe (their worker died before it could), and
 * forgets notes of jobs that are gone. Returns how many webhooks it queued.
 */
export async function sweepOwedWebhooks(deps: OwedSweepDeps): Promise<number> {
  const now = deps.clock();
  let queued = 0;
  for (const id of await deps.owed.stale(now - deps.intervalMs, BATCH)) {
    const job = await Job.fromId<JobData, JobResult>(deps.jobs, id);
    if (!job) {
      await deps.owed.settle(id);
      continue;
    }
    const state = await job.getState();
    if (state === 'completed' || state === 'failed') {
      await deps.webhooks.queueFinal(job, state);
      queued++;
    } else {
      await deps.owed.touch(id, now);
    }
  }
  if (queued > 0) deps.logger.warn({ queued }, 'queued webhooks that finished jobs still owed');
  return queued;
}

/** Sweeps at start and then every `intervalMs` (skipping a beat while a sweep runs), until stopped. */
export function startOwedSweeper(deps: OwedSweepDeps): { stop(): Promise<void> } {
  let running: Promise<void> | null = null;
  const sweep = () => {
    running ??= sweepOwedWebhooks(deps).then(
      () => {
        running = null;
      },
      (err: unknown) => {
        running = null;
        deps.logger.warn({ err }, 'could not sweep owed webhooks');
      },
    );
  };
  sweep();
  const timer = setInterval(sweep, deps.intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
