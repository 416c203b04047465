import { type BatchItem, BatchItemSchema, type CoachingPolicy, checkCallbackUrl } from '@spillway/core';
import { ApiError, type FieldError } from '../errors.js';
import { fieldErrors } from '../validation.js';

/** Where an item came from: its index in `items` (JSON) or its line (NDJSON); errors name it so. */
export type ItemPlace = { index: number } | { line: number };

export interface CandidateItem {
  place: ItemPlace;
  value?: unknown;
  /** The line was not JSON at all. */
  parseError?: string;
}

export interface ItemChecks {
  models: ReadonlySet<string>;
  webhookAllowPrivate: boolean;
}

/** Enough to fix a file in one pass without an answer the size of the file. */
export const MAX_REPORTED_ERRORS = 50;

/** `items[12].description` or `line 13: description`. */
export function fieldAt(place: ItemPlace, path: string): string {
  if ('index' in place) return path ? `items[${place.index}].${path}` : `items[${place.index}]`;
  return path ? `line ${place.line}: ${path}` : `line ${place.line}`;
}

/**
 * Validates every item with the plan request schema plus `customId` (unique in the batch), known
 * models and acceptable callback URLs. All or nothing: one bad item refuses the batch with a 400
 * naming the items at fault (the first MAX_REPORTED_ERRORS of them).
 */
export async function validateItems(
  candidates: readonly CandidateItem[],
  checks: ItemChecks,
): Promise<BatchItem[]> {
  const errors: FieldError[] = [];
  const report = (place: ItemPlace, path: string, message: string) => {
    errors.push({ field: fieldAt(place, path), message });
  };
  const items: BatchItem[] = [];
  const seen = new Map<string, ItemPlace>();
  const urls = new Map<string, Promise<string | null>>();

  for (const candidate of candidates) {
    if (errors.length >= MAX_REPORTED_ERRORS) break;
    const { place } = candidate;
    if (candidate.parseError) {
      report(place, '', candidate.parseError);
      continue;
    }
    const parsed = BatchItemSchema.safeParse(candidate.value);
    if (!parsed.success) {
      for (const e of fieldErrors(parsed.error))
        report(place, e.field === '(body)' ? '' : e.field, e.message);
      continue;
    }
    const item = parsed.data;
    const earlier = seen.get(item.customId);
    if (earlier) report(place, 'customId', `duplicate of ${fieldAt(earlier, '')}`);
    else seen.set(item.customId, place);
    if (item.model && !checks.models.has(item.model)) report(place, 'model', 'unknown model');
    const coachingModel = typeof item.coaching === 'object' ? item.coaching.model : undefined;
    if (coachingModel && !checks.models.has(coachingModel)) report(place, 'coaching.model', 'unknown model');
    if (item.callbackUrl) {
      // One lookup per distinct URL: a batch usually repeats the same callback on every item.
      let check = urls.get(item.callbackUrl);
      if (!check) {
        check = callbackProblem(item.callbackUrl, checks.webhookAllowPrivate);
        urls.set(item.callbackUrl, check);
      }
      const problem = await check;
      if (problem) report(place, 'callbackUrl', problem);
    }
    items.push(item);
  }
  if (errors.length > 0) throw invalidBatch(errors.slice(0, MAX_REPORTED_ERRORS));
  return items;
}

/** The batch-level callbackUrl, vetted as the sender will vet it. */
export async function assertBatchCallbackUrl(url: string, allowPrivate: boolean): Promise<void> {
  const problem = await callbackProblem(url, allowPrivate);
  if (problem) throw invalidBatch([{ field: 'callbackUrl', message: problem }]);
}

export function assertKnownCoachingModel(
  coaching: boolean | CoachingPolicy | undefined,
  models: ReadonlySet<string>,
) {
  if (typeof coaching === 'object' && coaching.model && !models.has(coaching.model)) {
    throw new ApiError('unknown_model', `No instance serves model "${coaching.model}".`, [
      { field: 'coaching.model', message: 'unknown model' },
    ]);
  }
}

async function callbackProblem(url: string, allowPrivate: boolean): Promise<string | null> {
  const check = await checkCallbackUrl(url, { allowPrivate });
  return check.ok ? null : check.reason;
}

function invalidBatch(errors: FieldError[]): ApiError {
  const first = errors[0]!;
  const more =
    errors.length >= MAX_REPORTED_ERRORS
      ? ` (and more: the first ${MAX_REPORTED_ERRORS} problems are listed)`
      : errors.length > 1
        ? ` (and ${errors.length - 1} more)`
        : '';
  return new ApiError('validation_failed', `${first.field}: ${first.message}${more}`, errors);
}
