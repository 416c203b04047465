import { ApiError } from './errors.js';

/**
 * How deeply arrays and objects may nest in a body. Far beyond any real request (a batch item's
 * metadata is the deepest part), and far below where recursive code (JSON.stringify, the
 * Idempotency-Key's canonical JSON) would run out of stack.
 */
export const MAX_JSON_DEPTH = 64;

/** Throws a 400 naming the limit when `value` nests deeper than MAX_JSON_DEPTH (checked without recursion). */
export function assertJsonDepth(value: unknown, field = '(body)'): void {
  const pending: Array<[unknown, number]> = [[value, 1]];
  while (pending.length > 0) {
    const [current, depth] = pending.pop()!;
    if (current === null || typeof current !== 'object') continue;
    if (depth > MAX_JSON_DEPTH) throw tooDeep(field);
    for (const child of Object.values(current)) pending.push([child, depth + 1]);
  }
}

function tooDeep(field: string): ApiError {
  const message = `nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep`;
  return new ApiError('validation_failed', `${field}: ${message}`, [{ field, message }]);
}
