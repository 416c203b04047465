import type { CoachingPolicy } from '@spillway/core';
import { ApiError } from '../errors.js';

/**
 * The coaching policy a request asks for, completed from the providers file's `defaults.coaching`:
 * `true` is the defaults; `{ "policy": "upgrade" }` without a model upgrades to the defaults' model.
 * Null when the request asks for no coaching.
 */
export function requestedCoachingPolicy(
  requested: boolean | CoachingPolicy | undefined,
  defaults: CoachingPolicy,
  models: ReadonlySet<string>,
): CoachingPolicy | null {
  if (requested === undefined || requested === false) return null;
  const policy = requested === true ? defaults : withDefaultModel(requested, defaults);
  if (policy.model && !models.has(policy.model)) {
    throw new ApiError('unknown_model', `No instance serves model "${policy.model}".`, [
      { field: 'coaching.model', message: `unknown model; known: ${[...models].sort().join(', ')}` },
    ]);
  }
  return policy;
}

function withDefaultModel(requested: CoachingPolicy, defaults: CoachingPolicy): CoachingPolicy {
  if (requested.policy !== 'upgrade' || requested.model) return requested;
  if (defaults.policy === 'upgrade' && defaults.model) return { policy: 'upgrade', model: defaults.model };
  throw new ApiError('validation_failed', 'coaching.model: required with policy "upgrade"', [
    {
      field: 'coaching.model',
      message: 'required with policy "upgrade" (the providers file names no upgrade model)',
    },
  ]);
}
