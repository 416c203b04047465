import {
  type Attempt,
  assertNever,
  type Candidate,
  CandidateOrders,
  type ChatRequest,
  cancelledError,
  type Instance,
  JobError,
  type Pool,
  type ProviderAdapter,
  type ProviderType,
  parseOutcome,
  parseRemaining,
  type Routing,
} from '@spillway/core';
import { UnrecoverableError } from 'bullmq';
import type { Logger } from 'pino';
import type { DispatchMeter } from './metrics/worker-metrics.js';

export interface DispatchDeps {
  pool: Pool;
  instances: readonly Instance[];
  adapterFor: (type: ProviderType) => ProviderAdapter;
  clock: () => number;
  logger: Logger;
  /**
   * Reroutes one processing run may make (request too large, quota) before the loop guard stops
   * the job as a bug loop. Rate limits never count: a provider that keeps saying "wait" is waited
   * for (the job parks), never given up on.
   */
  maxHops?: number;
  /** How long an instance stays disabled after a billing/zero-quota answer. */
  disableMs?: number;
  /** Counts provider calls and fallbacks for /metrics. */
  meter?: DispatchMeter;
}

/** Where a job would rather go, if it can at once (the coaching `upgrade` policy). */
export interface PreferredRouting {
  routing: Routing;
  /** On the attempt it serves (or that is rate limited there). */
  note: string;
  /** On the attempt that follows when the pool showed no headroom for it. */
  skippedNote: string;
}

export interface DispatchInput {
  request: ChatRequest;
  estimatedTokens: number;
  routing: Routing;
  /** The instance the job is "on" (for coaching: the plan's); the choice order is relative to it. */
  anchor: Instance | null;
  /**
   * Tried first, only if the pool shows headroom for it now (the coaching `upgrade` policy). On a
   * rate limit, or with no headroom, the job falls back to `routing` at once instead of waiting.
   */
  preferred?: PreferredRouting;
  signal: AbortSignal;
  /** Writes an attempt that leaves the job running (the successful one comes back with the result). */
  record: (attempt: Attempt) => Promise<void>;
  /** Called on each reservation (a waiting job that gets capacity passes it on to its line). */
  onReserved?: (headroom: number) => void;
  /** Called when a "request too large" narrows the job to larger models (the job remembers it). */
  onNarrowed?: (largerThanContext: number) => void;
}

export type DispatchResult =
  | { kind: 'ok'; content: string; instance: Instance; attempt: Attempt }
  /**
   * No candidate can take the job now: it must wait. `until`: when one frees (null: none ever
   * can); `candidates` and `estimatedTokens` name what it waits for (its line).
   */
  | { kind: 'wait'; until: number | null; candidates: readonly Candidate[]; estimatedTokens: number };

/**
 * Calls providers through the pool until one answers, moving a rate-limited job straight on to the
 * next eligible instance: a rate limit never costs a BullMQ attempt. When no candidate can take
 * the job now it returns `wait` at once (the job leaves the worker and parks; nothing waits here).
 * Every call is recorded on the job. Transient failures (5xx, timeouts) throw a plain Error so
 * BullMQ retries with backoff; a request the provider rejects throws UnrecoverableError to fail fast.
 */
export async function dispatch(deps: DispatchDeps, input: DispatchInput): Promise<DispatchResult> {
  const maxHops = deps.maxHops ?? 25;
  let anchor = input.anchor;
  let routing = input.routing;
  let preferred = input.preferred;
  /** Why the preferred routing was not taken, for the next attempt's note. */
  let skipped: string | undefined;
  /** The instance that just rate-limited this job: the next reservation elsewhere is a fallback. */
  let limitedOn: Instance | undefined;
  let reroutes = 0;
  for (;;) {
    // The signal is the client's cancel (DELETE /v1/jobs/{id}): stop before choosing another instance.
    if (input.signal.aborted) throw cancelledError();
    if (reroutes >= maxHops) {
      throw new UnrecoverableError(
        new JobError('reroute_limit', `gave up after ${maxHops} reroutes in a row without an answer`).message,
      );
    }
    const active = preferred?.routing ?? routing;
    const candidates = candidateOrders(deps.instances).for(anchor, active);
    const choice = await deps.pool.choose(candidates, input.estimatedTokens);
    if (choice.kind === 'wait') {
      if (preferred) {
        skipped = preferred.skippedNote;
        preferred = undefined; // no headroom for the preferred model now: fall back at once
        continue;
      }
      return { kind: 'wait', until: choice.until, candidates, estimatedTokens: input.estimatedTokens };
    }
    input.onReserved?.(choice.headroom);

    const instance = choice.instance;
    if (limitedOn && limitedOn.id !== instance.id) deps.meter?.fellBack(limitedOn, instance);
    limitedOn = undefined;
    const note = preferred?.note ?? skipped;
    skipped = undefined;
    const answer = await deps.adapterFor(instance.type).call(instance, input.request, input.signal);
    const outcome = parseOutcome(answer, { now: deps.clock(), provider: instance.type });
    deps.meter?.providerAnswered(instance, answer, outcome);
    const at = new Date(deps.clock()).toISOString();
    const base = { instance: instance.id, model: instance.model, at };
    if (input.signal.aborted) {
      // Cut off mid-call by a cancel. The provider may have counted the call: settle with unknown usage.
      await deps.pool.settle(instance, choice.reservationId, undefined);
      await input.record({ ...base, outcome: 'error', note: 'cancelled by the client' });
      throw cancelledError();
    }
    // A child logger only when there is something to say: most calls succeed and say nothing.
    const log = () => deps.logger.child({ instance: instance.id });

    switch (outcome.code) {
      case 'ok': {
        if (answer.kind !== 'ok') throw new Error('an ok outcome without an ok answer');
        // Batched with the other calls that end now; the job need not wait for it.
        deps.pool
          .settleAnswered(
            choice,
            answer.usage?.totalTokens,
            parseRemaining(answer.headers, deps.clock(), instance.type),
          )
          ?.catch((err: unknown) =>
            deps.logger.warn({ err, instance: instance.id }, 'could not settle a call'),
          );
        const attempt: Attempt = note ? { ...base, outcome: 'ok', note } : { ...base, outcome: 'ok' };
        return { kind: 'ok', content: answer.content, instance, attempt };
      }
      case 'rate_limited':
      case 'capacity': {
        const limited =
          outcome.code === 'rate_limited'
            ? {
                scope: outcome.scope,
                window: outcome.window,
                measure: outcome.measure,
                reason: `rate limited (${outcome.window})`,
              }
            : { scope: 'instance' as const, window: 'unknown' as const, reason: 'provider at capacity' };
        await deps.pool.markLimited(
          instance,
          { ...limited, retryAfterMs: outcome.retryAfterMs, reason: limited.reason },
          choice.reservationId,
        );
        log().info({ retryAfterMs: outcome.retryAfterMs, window: limited.window }, 'rate limited; moving on');
        await input.record({
          ...base,
          outcome: 'rate_limited',
          retryAfterMs: outcome.retryAfterMs,
          note: note ? `${note}; ${limited.reason}, fell back` : limited.reason,
        });
        anchor = preferred ? anchor : instance;
        limitedOn = instance;
        preferred = undefined;
        continue;
      }
      case 'too_large': {
        await deps.pool.release(instance, choice.reservationId);
        await input.record({ ...base, outcome: 'error', note: `request too large: ${outcome.message}` });
        routing = { ...routing, largerThanContext: instance.contextWindow ?? 0 };
        input.onNarrowed?.(routing.largerThanContext!);
        preferred = undefined;
        anchor = instance;
        reroutes++;
        continue;
      }
      case 'quota_exhausted': {
        await deps.pool.release(instance, choice.reservationId);
        await deps.pool.disable(instance, `quota exhausted: ${outcome.message}`, deps.disableMs ?? 3_600_000);
        log().warn({ reason: outcome.message }, 'instance disabled: quota or billing');
        await input.record({ ...base, outcome: 'error', note: `quota exhausted; instance disabled` });
        preferred = undefined;
        anchor = instance;
        reroutes++;
        continue;
      }
      case 'server_error':
      case 'timeout':
      case 'network': {
        // The call may have counted upstream: keep the reservation, settle with unknown usage.
        await deps.pool.settle(instance, choice.reservationId, undefined);
        const message =
          outcome.code === 'server_error' ? `${outcome.status} ${outcome.message}` : outcome.message;
        await input.record({ ...base, outcome: 'error', note: `${outcome.code}: ${truncate(message)}` });
        throw new JobError('provider_unavailable', `${instance.id}: ${outcome.code}: ${truncate(message)}`);
      }
      case 'client_error': {
        await deps.pool.release(instance, choice.reservationId);
        await input.record({ ...base, outcome: 'error', note: `rejected: ${outcome.status}` });
        throw new UnrecoverableError(
          new JobError(
            'provider_rejected',
            `${instance.id} answered ${outcome.status}: ${truncate(outcome.message)}`,
          ).message,
        );
      }
      default:
        return assertNever(outcome, 'provider outcome');
    }
  }
}

const orders = new WeakMap<readonly Instance[], CandidateOrders>();

/** One remembered ordering per instance list (a worker has one list for its lifetime). */
function candidateOrders(instances: readonly Instance[]): CandidateOrders {
  let found = orders.get(instances);
  if (!found) {
    found = new CandidateOrders(instances);
    orders.set(instances, found);
  }
  return found;
}

function truncate(text: string, max = 300): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
