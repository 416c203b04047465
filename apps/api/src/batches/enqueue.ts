import { setImmediate } from 'node:timers/promises';
import {
  type BatchItem,
  type BatchOptions,
  type BatchRecord,
  batchEntry,
  batchItemPriority,
  createBatchRecord,
  DEFAULT_PRIORITY,
} from '@spillway/core';
import type { FlowJob } from 'bullmq';
import type { ApiContext } from '../context.js';
import { newJobId } from '../job-ids.js';
import { enqueueWithinQuota } from '../quotas.js';
import { requestedCoachingPolicy } from '../routes/coaching-policy.js';
import { jobOptions } from '../routes/job-options.js';
import { jobIdsOf, type PlanJobs, planJobs } from '../routes/plan-jobs.js';
import { withFields } from '../with-fields.js';

/**
 * Jobs per addBulk call: one MULTI each, without one giant MULTI. The chunks go out back to back on
 * the one connection (in order, so Redis sees the items in submission order): Redis runs one chunk
 * while the API serializes the next, instead of waiting a round trip per chunk.
 */
const CHUNK = 1000;

/**
 * Sends the chunks in order, giving the event loop a turn after each: the socket then takes the
 * chunk just written and Redis starts on it while the next one is built, and the answers of
 * finished chunks are read (their jobs' objects freed) as the batch goes. Built in one turn, every
 * chunk waited in the API's memory until the last was built, and only then did Redis get them all.
 */
async function sendInTurns(sends: ReadonlyArray<() => Promise<unknown>>): Promise<void> {
  const sent: Array<Promise<unknown>> = [];
  for (const send of sends) {
    const chunk = send();
    // Awaited below with the others; until then a failure must not count as unhandled.
    chunk.catch(() => {});
    sent.push(chunk);
    await setImmediate();
  }
  await Promise.all(sent);
}

export interface NewBatchJobs {
  batchId: string;
  tenant: string;
  items: readonly BatchItem[];
  options: BatchOptions;
  /** Unfinished items of the tenant's earlier batches (see packages/core/src/jobs/priority.ts). */
  backlog: number;
}

type Single = Extract<PlanJobs, { kind: 'single' }>;

/**
 * Writes the batch record and enqueues one plan job per item (a coaching flow for items with
 * coaching), carrying batchId, customId and a fair priority, under the tenant's cap as a whole.
 * Returns the plan job ids in order and the batch record as written.
 */
export async function enqueueBatch(
  ctx: ApiContext,
  batch: NewBatchJobs,
): Promise<{ ids: string[]; record: BatchRecord }> {
  const now = ctx.clock();
  const singles: Single[] = [];
  const flows: FlowJob[] = [];
  const ids: string[] = [];
  const allJobIds: string[] = [];
  const nextJobId = () => newJobId(ctx.clock);

  batch.items.forEach((item, index) => {
    const id = nextJobId();
    ids.push(id);
    const priority = batchItemPriority(batch.options.priority ?? DEFAULT_PRIORITY, batch.backlog, index);
    const opts = withFields(jobOptions, { jobId: id, priority });
    const jobs = planJobs({
      queueName: ctx.queue.name,
      request: withFields(item, {
        tenant: batch.tenant,
        now,
        priority: batch.options.priority,
        batch: { batchId: batch.batchId, customId: item.customId },
      }),
      plan: { description: item.description, date: item.date },
      coaching: requestedCoachingPolicy(
        item.coaching ?? batch.options.coaching,
        ctx.coachingDefaults,
        ctx.models,
      ),
      opts,
      newJobId: nextJobId,
    });
    allJobIds.push(...jobIdsOf(jobs));
    if (jobs.kind === 'single') singles.push(jobs);
    else flows.push(jobs.flow);
  });

  // Under the tenant's cap as a whole, or not at all: a refused batch writes nothing.
  return enqueueWithinQuota(ctx, batch.tenant, allJobIds, async () => {
    // The record first: a worker that finishes the first job at once must find the batch to count it.
    const record = await createBatchRecord(ctx.redis, ctx.prefix, {
      id: batch.batchId,
      tenant: batch.tenant,
      createdAt: now,
      callbackUrl: batch.options.callbackUrl,
      metadata: batch.options.metadata,
      entries: batch.items.map((item, index) => batchEntry(item.customId, ids[index]!)),
    });
    const sends: Array<() => Promise<unknown>> = [];
    for (let i = 0; i < singles.length; i += CHUNK)
      sends.push(() => ctx.queue.addBulk(singles.slice(i, i + CHUNK)));
    for (let i = 0; i < flows.length; i += CHUNK)
      sends.push(() => ctx.flows.addBulk(flows.slice(i, i + CHUNK)));
    await sendInTurns(sends);
    return { ids, record };
  });
}
