import { z } from 'zod';
import { JobPrioritySchema } from './priority.js';
import { CoachingResultSchema, PlanResultShape } from './results.js';

/**
 * The job view of DESIGN.md: the one definition. The OpenAPI document is generated from it, the
 * `JobView` type is inferred from it (view.ts builds exactly that type; the CLI imports it), and
 * clients may validate what they read with it.
 */
export const JobStatusSchema = z.enum([
  'queued',
  'running',
  'waiting_for_capacity',
  'completed',
  'failed',
  'cancelled',
]);

export const AttemptSchema = z.object({
  instance: z.string().describe('`<providerId>/<model>`'),
  model: z.string(),
  outcome: z.enum(['ok', 'rate_limited', 'error']),
  at: z.iso.datetime(),
  retryAfterMs: z.number().optional(),
  note: z.string().optional(),
});

export const JobViewSchema = z.object({
  id: z.string(),
  kind: z.enum(['plan', 'coaching']),
  status: JobStatusSchema,
  createdAt: z.iso.datetime(),
  startedAt: z.iso.datetime().optional(),
  finishedAt: z.iso.datetime().optional(),
  result: z.union([PlanResultShape, CoachingResultSchema]).optional(),
  error: z
    .object({ code: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()).optional() })
    .optional(),
  attempts: z.array(AttemptSchema).describe('The first and the last attempts (see attemptsOmitted)'),
  attemptsOmitted: z
    .object({ count: z.number(), ok: z.number(), rate_limited: z.number(), error: z.number() })
    .optional()
    .describe(
      'On a long list: how many attempts between the first and the last ones are left out, by outcome',
    ),
  waitingUntil: z.iso
    .datetime()
    .optional()
    .describe('While waiting for capacity: when capacity returns for the instances the job may use'),
  estimatedStartAt: z.iso
    .datetime()
    .optional()
    .describe(
      "While waiting for capacity: when the job should start, from its place in line and the instances' limits",
    ),
  coaching: z.object({ jobId: z.string(), status: JobStatusSchema }).optional(),
  planJobId: z.string().optional().describe('On a coaching job: the plan job whose result it coaches'),
  batchId: z.string().optional(),
  customId: z.string().optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  priority: JobPrioritySchema.optional(),
});

export type JobStatus = z.infer<typeof JobStatusSchema>;
export type JobView = z.infer<typeof JobViewSchema>;
