export {
  parseGoDuration,
  parseGoogleDuration,
  parseHttpDate,
  parseResetValue,
  parseRetryAfter,
  parseRetryAfterMs,
  parseSeconds,
  parseTimestamp,
} from './durations.js';
export {
  assertNever,
  type LimitMeasure,
  type LimitScope,
  type LimitWindow,
  type ProviderOutcome,
  type ProviderOutcomeCode,
} from './outcome.js';
export { type ParseOutcomeOptions, parseOutcome } from './parse.js';
export { parseRemaining, type RemainingHint } from './remaining.js';
