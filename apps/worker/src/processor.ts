import {
  type Attempt,
  addAttempt,
  CANCELLED_CODE,
  type CancelWatch,
  type ChatRequest,
  COACHING_SYSTEM_PROMPT,
  CoachingResultSchema,
  callsHoldSlots,
  callsPerWindow,
  cancelledError,
  capacityLine,
  coachingUserPrompt,
  type Instance,
  type JobData,
  JobError,
  type JobOutput,
  type JobProgress,
  type JobResult,
  lineMember,
  PLAN_SYSTEM_PROMPT,
  PlanResultSchema,
  PlanResultShape,
  planUserPrompt,
  progressOf,
  type Routing,
  repairUserPrompt,
  structuredSchema,
  type WaitingRoom,
} from '@spillway/core';
import { DelayedError, type Job, type Queue, UnrecoverableError } from 'bullmq';
import type { z } from 'zod';
import { endsTheJob, explainCoachingParent } from './coaching-parent.js';
import { type DispatchDeps, type DispatchResult, dispatch, type PreferredRouting } from './dispatch.js';
import { loadPlanForCoaching } from './plan-for-coaching.js';

export interface ProcessorDeps extends DispatchDeps {
  /** The jobs queue (a coaching job reads its plan job there). */
  queue: Queue;
  /** Tells a running job it was cancelled (reads the cancel marks of the jobs in flight). */
  cancels: CancelWatch;
  /** Where jobs that cannot run now wait (parked in Redis, out of the worker). */
  waiting: WaitingRoom;
  /** The pool's minute window (ms), for the spacing of calls a waiting line can expect. */
  minuteMs: number;
}

const PLAN_JSON_SCHEMA = structuredSchema(PlanResultShape);
const COACHING_JSON_SCHEMA = structuredSchema(CoachingResultSchema);
const OUTPUT_TOKENS = { plan: 700, coaching: 500 } as const;

/**
 * Runs one plan or coaching job: builds the prompt, dispatches it through the pool, validates the
 * answer (one repair round), and turns "no capacity" into waiting (the job parks) rather than failing.
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
    const deadlineAt = job.data.deadlineAt;
    // Our own copy (attempts too: they are appended to in place). Not parked any more: undefined
    // rather than `delete`, which is the same in the stored JSON and keeps the object fast.
    const progress: JobProgress = {
      ...stored,
      attempts: [...stored.attempts],
      startedAt: stored.startedAt ?? now,
      waitingUntil: undefined,
      parked: undefined,
    };
    // Back from a line: released (already off it), at its deadline, or cancelled (still on it).
    const cameFrom = stored.parked;
    let returnsAt = stored.waitingUntil;
    if (cameFrom) {
      if (now >= deadlineAt) {
        returnsAt = (await deps.waiting.returnsAt(cameFrom.line, job.id!, job.data.batchId)) ?? returnsAt;
      }
      await deps.waiting.leave(cameFrom.line, lineMember(job.id!, job.data.batchId));
      if (await cancels.isCancelled(job.id!)) return fail(job, progress, cancelledError());
    }

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
        : await coachingTask(deps, job, progress, token).catch((err: unknown) =>
            err instanceof JobError ? fail(job, progress, err) : Promise.reject(err),
          );
    if (progress.largerThanContext !== undefined) {
      task.routing = { ...task.routing, largerThanContext: progress.largerThanContext };
    }
    if (now >= deadlineAt) return fail(job, progress, capacityExhausted(deadlineAt, returnsAt ?? now));
    // A released job that gets capacity passes it on to the next of its line (once: a chain).
    let passOn = cameFrom?.line.startsWith('c:') ? cameFrom.line : undefined;
    const onReserved = (headroom: number) => {
      if (!passOn) return;
      const line = passOn;
      passOn = undefined;
      // Plenty left: release two, so a line drains as fast as capacity allows, not one by one.
      deps.waiting
        .release(line, headroom >= 0.5 ? 2 : 1)
        .catch((err: unknown) => deps.logger.warn({ err, line }, 'could not release the next waiting job'));
    };
    // A cancel aborts the provider call in flight; the job then fails as cancelled.
    const abort = new AbortController();
    const stopWatching = cancels.watch(job.id!, () => abort.abort());
    try {
      const answered = await answer(job, task, progress, abort.signal, record, onReserved);
      if (answered.kind === 'wait') return await park(job, progress, answered, token, cameFrom);
      return answered.result;
    } catch (err) {
      if (err instanceof JobError && err.code === CANCELLED_CODE) return fail(job, progress, err);
      throw err;
    } finally {
      stopWatching();
    }
  };

  /**
   * No candidate can take the job now: it leaves the worker and parks on its line, in BullMQ's
   * delayed set until its deadline (BullMQ brings it back then, if no release does first). It
   * fails at once only when capacity cannot return before its deadline.
   */
  async function park(
    job: Job<JobData, JobResult>,
    progress: JobProgress,
    wait: Extract<DispatchResult, { kind: 'wait' }>,
    token: string | undefined,
    cameFrom: JobProgress['parked'],
  ): Promise<never> {
    const deadlineAt = job.data.deadlineAt;
    const line = capacityLine(wait.candidates, wait.estimatedTokens);
    const again = cameFrom?.line === line;
    if (wait.until === null || wait.until > deadlineAt) {
      // Released from this line, it ends here: the next one takes its turn (and parks again with
      // the line's new return time) rather than waiting out the release lease.
      if (again) await deps.waiting.release(line, 1);
      return fail(job, progress, capacityExhausted(deadlineAt, wait.until));
    }
    const perWindow = callsPerWindow(wait.candidates, wait.estimatedTokens);
    const order = again
      ? cameFrom.order
      : await deps.waiting.fairOrder(line, job.data.tenant, perWindow, deps.minuteMs);
    progress.parked = { line, order };
    progress.waitingUntil = wait.until;
    // A job that has made no call yet has not started: it starts when it is picked up to run.
    if (progress.attempts.length === 0) progress.startedAt = undefined;
    await job.updateProgress(progress);
    // Delayed first, then on the line: a release never finds a line's job still held by a worker.
    await job.moveToDelayed(deadlineAt, token);
    await deps.waiting.park({
      line,
      member: lineMember(job.id!, job.data.batchId),
      order,
      until: wait.until,
      perWindow,
      windowMs: deps.minuteMs,
      again,
      slotsOf: wait.candidates.filter((c) => callsHoldSlots(c.instance)).map((c) => c.instance.id),
    });
    throw new DelayedError();
  }

  /** Dispatches until an answer passes validation (one repair round), or the job must wait. */
  async function answer(
    job: Job<JobData, JobResult>,
    task: PreparedTask,
    progress: JobProgress,
    signal: AbortSignal,
    record: (attempt: Attempt) => Promise<void>,
    onReserved: (headroom: number) => void,
  ): Promise<{ kind: 'done'; result: JobResult } | Extract<DispatchResult, { kind: 'wait' }>> {
    const onNarrowed = (largerThanContext: number) => {
      progress.largerThanContext = largerThanContext;
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
        onReserved,
        onNarrowed,
      });
      if (outcome.kind === 'wait') return outcome;
      addAttempt(progress, outcome.attempt);

      const parsed = parseAnswer(outcome.content, task.schema);
      if (parsed.ok) {
        const result: JobResult = { result: parsed.value as JobOutput, attempts: progress.attempts };
        if (progress.attemptsOmitted) result.attemptsOmitted = progress.attemptsOmitted;
        return { kind: 'done', result };
      }
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
  progress: JobProgress,
  token: string | undefined,
): Promise<PreparedTask> {
  const coaching = await loadPlanForCoaching(deps, job, progress, token);
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
