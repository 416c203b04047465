import {
  type BatchItem,
  type BatchOptions,
  batchEntry,
  createBatchRecord,
  type JobData,
} from '@spillway/core';
import type { FlowJob, JobsOptions } from 'bullmq';
import type { ApiContext } from '../app.js';
import { newJobId } from '../job-ids.js';
import { pinnedCoachingModel, requestedCoachingPolicy } from '../routes/coaching-policy.js';
import { jobOptions } from '../routes/job-options.js';
import { batchItemPriority } from './priority.js';

const DEFAULT_DEADLINE_SECONDS = 86_400;
/** Jobs per addBulk call: one round trip each, without one giant MULTI. */
const CHUNK = 1000;

export interface NewBatchJobs {
  batchId: string;
  tenant: string;
  items: readonly BatchItem[];
  options: BatchOptions;
  /** Unfinished items of the tenant's earlier batches (see priority.ts). */
  backlog: number;
}

interface Single {
  name: 'plan';
  data: JobData;
  opts: JobsOptions;
}

/**
 * Writes the batch record and enqueues one plan job per item (a coaching flow for items with
 * coaching), carrying batchId, customId and a fair priority. Returns the plan job ids in order.
 */
export async function enqueueBatch(ctx: ApiContext, batch: NewBatchJobs): Promise<string[]> {
  const now = ctx.clock();
  const singles: Single[] = [];
  const flows: FlowJob[] = [];
  const ids: string[] = [];

  batch.items.forEach((item, index) => {
    const id = newJobId(ctx.clock);
    ids.push(id);
    const opts: JobsOptions = { ...jobOptions, jobId: id, priority: batchItemPriority(batch.backlog, index) };
    const common = {
      tenant: batch.tenant,
      createdAt: now,
      deadlineAt: now + (item.deadlineSeconds ?? DEFAULT_DEADLINE_SECONDS) * 1000,
      batchId: batch.batchId,
      customId: item.customId,
      ...(item.model ? { model: item.model, fallback: item.fallback } : {}),
      ...(item.callbackUrl ? { callbackUrl: item.callbackUrl } : {}),
      ...(item.metadata ? { metadata: item.metadata } : {}),
    };
    const plan: JobData = {
      ...common,
      kind: 'plan',
      plan: { description: item.description, date: item.date },
    };
    const coaching = requestedCoachingPolicy(
      item.coaching ?? batch.options.coaching,
      ctx.coachingDefaults,
      ctx.models,
    );
    if (!coaching) {
      singles.push({ name: 'plan', data: plan, opts });
      return;
    }
    // As POST /v1/plans: coaching is the flow's parent and runs once its plan child completes.
    const coachingId = newJobId(ctx.clock);
    plan.coachingJobId = coachingId;
    flows.push({
      name: 'coaching',
      queueName: ctx.queue.name,
      data: {
        ...common,
        kind: 'coaching',
        model: pinnedCoachingModel(undefined, coaching),
        coaching: { planJobId: id, policy: coaching },
      } satisfies JobData,
      opts: { ...opts, jobId: coachingId },
      children: [
        {
          name: 'plan',
          queueName: ctx.queue.name,
          data: plan,
          opts: { ...opts, failParentOnFailure: true },
        },
      ],
    });
  });

  // The record first: a worker that finishes the first job at once must find the batch to count it.
  await createBatchRecord(ctx.redis, ctx.prefix, {
    id: batch.batchId,
    tenant: batch.tenant,
    createdAt: now,
    callbackUrl: batch.options.callbackUrl,
    metadata: batch.options.metadata,
    entries: batch.items.map((item, index) => batchEntry(item.customId, ids[index]!)),
  });
  for (let i = 0; i < singles.length; i += CHUNK) await ctx.queue.addBulk(singles.slice(i, i + CHUNK));
  for (let i = 0; i < flows.length; i += CHUNK) await ctx.flows.addBulk(flows.slice(i, i + CHUNK));
  return ids;
}
