import { z } from 'zod';
import { JobPrioritySchema } from './priority.js';
import { CoachablePlanSchema } from './results.js';

export const CoachingPolicySchema = z.strictObject({
  policy: z.enum(['same', 'upgrade']),
  model: z.string().min(1).max(200).optional(),
});

const metadata = z
  .record(z.string().max(100), z.unknown())
  .refine((m) => JSON.stringify(m).length <= 8192, 'must serialize to at most 8 KiB of JSON');

/** Says which rule a callback URL broke: the scheme (webhooks go over http or https only) or the form. */
function callbackUrlMessage(issue: { input?: unknown }): string {
  const scheme =
    typeof issue.input === 'string' ? /^([a-z][a-z0-9+.-]*):/i.exec(issue.input)?.[1] : undefined;
  if (scheme && !/^https?$/i.test(scheme)) return `must use the http or https scheme, not ${scheme}:`;
  return 'must be an absolute http or https URL';
}

/** Fields every job request may carry. */
const common = {
  model: z.string().min(1).max(200).optional(),
  fallback: z.enum(['any', 'same-model']).optional(),
  coaching: z.union([z.boolean(), CoachingPolicySchema]).optional(),
  callbackUrl: z
    .url({ protocol: /^https?$/, error: callbackUrlMessage })
    .max(2048)
    .optional(),
  deadlineSeconds: z
    .number()
    .int()
    .min(1)
    .max(7 * 86_400)
    .optional(),
  metadata: metadata.optional(),
  priority: JobPrioritySchema.optional(),
};

export const PlanRequestSchema = z.strictObject({
  description: z.string().trim().min(1).max(20_000),
  date: z.iso.date().optional(),
  ...common,
});
export type PlanRequest = z.infer<typeof PlanRequestSchema>;

/** Coaching for the result of a plan job of the same tenant (waits for it if it is still running). */
export const CoachingForPlanJobSchema = z.strictObject({
  planJobId: z.string().min(1).max(100),
  ...common,
});

/** Coaching for a plan the client gives, with the description it was made from if known. */
export const CoachingForPlanSchema = z.strictObject({
  plan: CoachablePlanSchema,
  description: z.string().trim().max(20_000).optional(),
  ...common,
});

export const CoachingRequestSchema = z.union([CoachingForPlanJobSchema, CoachingForPlanSchema]);
export type CoachingRequest = z.infer<typeof CoachingRequestSchema>;
