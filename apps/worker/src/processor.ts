import {
  type Attempt,
  CANCELLED_CODE,
  type CancelWatch,
  type ChatRequest,
  COACHING_SYSTEM_PROMPT,
  CoachingResultSchema,
  coachingUserPrompt,
  type Instance,
  type JobData,
  JobError,
  type JobOutput,
  type JobProgress,
  type JobResult,
  PLAN_SYSTEM_PROMPT,
  PlanResultSchema,
  PlanResultShape,
  planUserPrompt,
  progressOf,
  type Routing,
  repairUserPrompt,
  structuredSchema,
} from '@spillway/core';
import { DelayedError, type Job, type Queue, RateLimitError, UnrecoverableError } from 'bullmq';
import type { z } from 'zod';
import { endsTheJob, explainCoachingParent } from './coaching-parent.js';
import { type DispatchDeps, dispatch, type PreferredRouting } from './dispatch.js';
import { loadPlanForCoaching } from './plan-for-coaching.js';

export interface ProcessorDeps extends DispatchDeps {
  /** The jobs queue, for BullMQ's queue-wide rate limit when no instance at all is free. */
  queue: Queue;
  /** Tells a running job it was cancelled (reads the cancel marks of the jobs in flight). */
  cancels: CancelWatch;
}

const PLAN_JSON_SCHEMA = structuredSchema(PlanResultShape);
const COACHING_JSON_SCHEMA = structuredSchema(CoachingResultSchema);
const OUTPUT_TOKENS = { plan: 700, coaching: 500 } as const;

/**
 * Runs one plan or coaching job: builds the prompt, dispatches it through the pool, validates the
 * answer (one repair round), and turns "no capacity" into waiting rather than failing.
 */
export function createProcessor(deps: ProcessorDeps) {
  const run = createRun(deps);
  return async function process(job: Job<JobData, JobResult>, token?: string): Promise<JobResult> {
    try {
      return await run(job, token);
    } catch (err) {
      if (job.data.coachingJobId && endsTheJob(job, err)) {
        await explainCoachingParent(deps.queue, job, err as Error).catch((cause: unknown) =>
          deps.logger.warn(
            { err: cause, jobId: job.id },
            'could not tell the coaching job why its plan failed',
          ),
        );
      }
      throw err;
    }
  };
}

function createRun(deps: ProcessorDeps) {
  const cancels = deps.cancels;
  return async function run(job: Job<JobData, JobResult>, token?: string): Promise<JobResult> {
    const now = deps.clock();
    const stored = progressOf(job);
    // Our own copy (attempts too: they are appended to in place). No longer waiting for a slot:
    // undefined rather than `delete`, which is the same in the stored JSON and keeps the object fast.
    const progress: JobProgress = {
      ...stored,
      attempts: [...stored.attempts],
      startedAt: stored.startedAt ?? now,
      waitingUntil: undefined,
    };

    // Attempts that leave the job running are written at once, so its view shows them; the
    // successful one comes back from dispatch and is written with the result (one round trip less).
    const record = async (attempt: Attempt) => {
      addAttempt(progress, attempt);
      await job.updateProgress(progress);
    };
    // Before the deadline check: a coaching job past its deadline says whether its plan was the reason.
    const task =
      job.data.kind === 'plan'
        ? planTask(job.data)
        : await coachingTask(deps, job, token).catch((err: unknown) =>
            err instanceof JobError ? fail(job, progress, err) : Promise.reject(err),
          );
    if (now > job.data.deadlineAt) return fail(job, progress, capacityExhausted(job.data.deadlineAt, null));
    // A cancel aborts the provider call (or the wait for a slot) in flight; the job then fails as cancelled.
    const abort = new AbortController();
    const stopWatching = cancels.watch(job.id!, () => abort.abort());
    try {
      return await answer(job, task, progress, abort.signal, record, token);
    } catch (err) {
      if (err instanceof JobError && err.code === CANCELLED_CODE) return fail(job, progress, err);
      throw err;
    } finally {
      stopWatching();
    }
  };

  /** Dispatches until an answer passes validation (one repair round), or the job must wait. */
  async function answer(
    job: Job<JobData, JobResult>,
    task: PreparedTask,
    progress: JobProgress,
    signal: AbortSignal,
    record: (attempt: Attempt) => Promise<void>,
    token: string | undefined,
  ): Promise<JobResult> {
    const onWaiting = async (until: number) => {
      progress.waitingUntil = until;
      await job.updateProgress(progress);
    };
    let request = task.request;
    let anchor = task.anchor;
    for (let round = 0; ; round++) {
      const outcome = await dispatch(deps, {
        routing: task.routing,
        anchor,
        request,
        estimatedTokens: estimateTokens(request) + OUTPUT_TOKENS[job.data.kind],
        preferred: round === 0 ? task.preferred : undefined,
        signal,
        record,
        deadlineAt: job.data.deadlineAt,
        onWaiting,
      });
      if (outcome.kind === 'wait') return await waitForCapacity(deps, job, progress, outcome, token);
      addAttempt(progress, outcome.attempt);

      const parsed = parseAnswer(outcome.content, task.schema);
      if (parsed.ok) return { result: parsed.value as JobOutput, attempts: progress.attempts };
      deps.logger.warn(
        { jobId: job.id, kind: job.data.kind, instance: outcome.instance.id, problems: parsed.problems },
        'answer failed validation',
      );
      markInvalid(progress, parsed.problems, round === 0 ? 'repair requested' : 'no repair left');
      if (round === 1) {
        const message = `the provider's answer failed validation twice:\n${parsed.problems}`;
        return fail(
          job,
          progress,
          new JobError('invalid_output', message, { raw: outcome.content.slice(0, 4000) }),
        );
      }
      // One repair round: the same prompt, the answer it gave, and what was wrong with it, sent to
      // the model that gave it first (it is fixing its own answer).
      request = {
        ...request,
        user: repairUserPrompt({
          original: task.request.user,
          answer: outcome.content,
          problems: parsed.problems,
        }),
      };
      anchor = outcome.instance;
    }
  }
}

/** A provider call made: the job is no longer waiting for a slot. */
function addAttempt(progress: JobProgress, attempt: Attempt): void {
  progress.waitingUntil = undefined;
  progress.attempts.push(attempt);
}

/**
 * The provider answered, but not usably: the attempt that looked fine to the pool is an error for
 * the job, and its note says what was wrong.
 */
function markInvalid(progress: JobProgress, problems: string, then: string): void {
  const last = progress.attempts.at(-1);
  if (!last) return;
  const first = problems.split('\n')[0]!.replace(/^- /, '');
  const more = problems.includes('\n') ? ' (and more)' : '';
  const note = `answer failed validation: ${first}${more}; ${then}`;
  progress.attempts = [...progress.attempts.slice(0, -1), { ...last, outcome: 'error', note }];
}

/** Ends the job for good, keeping the code and details on the job for its view. */
async function fail(job: Job<JobData, JobResult>, progress: JobProgress, error: JobError): Promise<never> {
  const message = error.message.slice(error.code.length + 2);
  progress.failure = { code: error.code, message, details: error.details };
  await job.updateProgress(progress);
  throw new UnrecoverableError(error.message);
}

interface PreparedTask {
  request: ChatRequest;
  schema: z.ZodType;
  routing: Routing;
  anchor: Instance | null;
  preferred?: PreferredRouting;
}

function routingOf(data: JobData): Routing {
  return { model: data.model, fallback: data.model ? (data.fallback ?? 'same-model') : 'any' };
}

function planTask(data: JobData): PreparedTask {
  return {
    request: {
      system: PLAN_SYSTEM_PROMPT,
      user: planUserPrompt(data.plan!),
      schemaName: 'plan',
      jsonSchema: PLAN_JSON_SCHEMA,
    },
    schema: PlanResultSchema,
    routing: routingOf(data),
    anchor: null,
  };
}

async function coachingTask(
  deps: ProcessorDeps,
  job: Job<JobData, JobResult>,
  token: string | undefined,
): Promise<PreparedTask> {
  const coaching = await loadPlanForCoaching(deps, job, token);
  const anchor = deps.instances.find((i) => i.id === coaching.planInstance) ?? null;
  const upgrade = coaching.policy.policy === 'upgrade' ? coaching.policy.model : undefined;
  return {
    request: {
      system: COACHING_SYSTEM_PROMPT,
      user: coachingUserPrompt({ plan: coaching.plan, description: coaching.description }),
      schemaName: 'coaching',
      jsonSchema: COACHING_JSON_SCHEMA,
    },
    schema: CoachingResultSchema,
    routing: routingOf(job.data),
    anchor,
    preferred: upgrade
      ? {
          routing: { model: upgrade, fallback: 'same-model' },
          note: `upgrade to ${upgrade} (pool showed headroom)`,
          skippedNote: `upgrade to ${upgrade} skipped: no headroom for it now`,
        }
      : undefined,
  };
}

/**
 * No instance can take the job now. A job that may use any instance pauses the whole queue
 * (BullMQ's rate limit: every job stays put, no Redis traffic per waiting job) until the earliest
 * instance frees; a job restricted to some instances waits alone, delayed to that moment.
 */
async function waitForCapacity(
  deps: ProcessorDeps,
  job: Job<JobData, JobResult>,
  progress: JobProgress,
  wait: { until: number | null; restricted: boolean },
  token: string | undefined,
): Promise<never> {
  if (wait.until === null || wait.until > job.data.deadlineAt) {
    return fail(job, progress, capacityExhausted(job.data.deadlineAt, wait.until));
  }
  progress.waitingUntil = wait.until;
  await job.updateProgress(progress);
  const delay = Math.max(1, wait.until - deps.clock());
  // A worker shutting down hands the job back delayed: after a RateLimitError BullMQ's closing worker
  // would itself sit out the queue's rate limit (up to 30 s) before it could exit.
  if (!wait.restricted && !deps.stopping?.aborted) {
    await deps.queue.rateLimit(delay);
    throw new RateLimitError();
  }
  await job.moveToDelayed(wait.until, token);
  throw new DelayedError();
}

function capacityExhausted(deadlineAt: number, returnsAt: number | null): JobError {
  const when =
    returnsAt === null
      ? 'no instance can serve this job'
      : `capacity returns at ${new Date(returnsAt).toISOString()}`;
  return new JobError(
    'capacity_exhausted',
    `no capacity before the job's deadline (${new Date(deadlineAt).toISOString()}): ${when}`,
    {
      capacityReturnsAt: returnsAt === null ? null : new Date(returnsAt).toISOString(),
    },
  );
}

function estimateTokens(request: ChatRequest): number {
  return Math.ceil((request.system.length + request.user.length) / 4);
}

function parseAnswer(
  content: string,
  schema: z.ZodType,
): { ok: true; value: unknown } | { ok: false; problems: string } {
  let json: unknown;
  try {
    json = JSON.parse(content);
  } catch (err) {
    return { ok: false, problems: `not JSON: ${(err as Error).message}` };
  }
  const result = schema.safeParse(json);
  if (result.success) return { ok: true, value: result.data };
  return {
    ok: false,
    problems: result.error.issues.map((i) => `- ${i.path.join('.') || '(root)'}: ${i.message}`).join('\n'),
  };
}
