import { z } from 'zod';
import { CoachingResultSchema, PlanResultShape } from './results.js';
import type { JobView } from './view.js';

/**
 * The job view as a zod schema, for documentation (OpenAPI) and for clients that validate what
 * they read. `toJobView` builds the view; this describes it, and the type check below keeps the two
 * in step.
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
});

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
/** Fails to compile when the schema and the JobView interface drift apart. */
export type _JobViewSchemaMatchesJobView = Assert<Same<z.output<typeof JobViewSchema>, JobView>>;
