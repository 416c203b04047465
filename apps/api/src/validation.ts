import type { z } from 'zod';
import { ApiError, type FieldError } from './errors.js';

/** `items[3].description` from zod's path, so the client sees which field to fix. */
export function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out || '(body)';
}

export function fieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => {
    // Unknown keys are reported on the object; name the key itself.
    if (issue.code === 'unrecognized_keys') {
      return {
        field: fieldPath([...issue.path, issue.keys[0] ?? '']),
        message: `unknown field(s): ${issue.keys.join(', ')}`,
      };
    }
    return { field: fieldPath(issue.path), message: issue.message };
  });
}

/** The 400 problem for a failed parse: it names every bad field, the first one in `detail`. */
export function validationError(error: z.ZodError): ApiError {
  const errors = fieldErrors(error);
  const first = errors[0]!;
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
  return new ApiError('validation_failed', `${first.field}: ${first.message}${more}`, errors);
}

/** Parses with a zod schema or throws a 400 problem that names every bad field. */
export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  throw validationError(result.error);
}
