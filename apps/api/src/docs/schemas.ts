import {
  BatchJsonBodySchema,
  CoachingRequestSchema,
  JobViewSchema,
  MAX_BATCH_ITEMS,
  PlanRequestSchema,
} from '@spillway/core';
import { z } from 'zod';
import { API_ERRORS, type ApiErrorCode } from '../errors.js';
import { PoolAnswerSchema } from '../openapi/pool-schema.js';
import { documentedOnly } from '../schema-compilers.js';

/**
 * The schemas the routes declare, named (a `$ref` in the OpenAPI document) and with an example for
 * every request. They are the very schemas the routes validate with, or that build their answers.
 */
export const PlanRequestDoc = PlanRequestSchema.meta({
  id: 'PlanRequest',
  examples: [
    { description: 'Write the quarterly report, gym at noon, call the bank, review two pull requests' },
    {
      description: 'Deep work 9-12, lunch with Sam, dentist at 15:00',
      date: '2026-12-02',
      coaching: true,
      deadlineSeconds: 600,
      metadata: { user: 'u-42' },
    },
  ],
});

/** Validated by the route, which tells from the fields which of the two shapes was meant. */
export const CoachingRequestDoc = documentedOnly(
  CoachingRequestSchema.meta({
    id: 'CoachingRequest',
    examples: [
      { planJobId: 'job_mx5417b457ce39a192d4e84f9e54' },
      {
        plan: {
          summary: 'Two focused blocks',
          items: [
            { start: '09:00', end: '11:00', task: 'Deep work', priority: 'high' },
            { start: '12:00', end: '13:00', task: 'Gym', priority: 'medium' },
          ],
        },
        description: 'Deep work, gym at noon',
      },
    ],
  }),
);

/** Validated by the route, item by item (JSON here, or one item per NDJSON line). */
export const BatchRequestDoc = documentedOnly(
  BatchJsonBodySchema.meta({
    id: 'BatchRequest',
    description: `A JSON envelope of 1 to ${MAX_BATCH_ITEMS.toLocaleString('en-US')} items, each a plan request with a \`customId\`; or send \`application/x-ndjson\`, one item per line, with \`?coaching=\` and \`?callbackUrl=\`.`,
    examples: [
      {
        items: [
          { customId: 'mon', description: 'Write the report, gym at noon' },
          { customId: 'tue', description: 'Dentist at 15:00, answer email', deadlineSeconds: 3600 },
        ],
        callbackUrl: 'https://example.com/hooks/spillway',
      },
    ],
  }),
);

export const JobViewDoc = JobViewSchema.meta({ id: 'JobView' });
export const PoolAnswerDoc = PoolAnswerSchema.meta({ id: 'PoolAnswer' });

export const BatchViewDoc = z
  .object({
    id: z.string(),
    status: z.enum(['queued', 'running', 'completed', 'cancelling', 'cancelled']),
    createdAt: z.iso.datetime(),
    startedAt: z.iso.datetime().optional(),
    finishedAt: z.iso.datetime().optional(),
    cancelledAt: z.iso.datetime().optional(),
    total: z.number().int(),
    counts: z.record(z.string(), z.number().int()).describe('Items by job status'),
    metadata: z.record(z.string(), z.unknown()).optional(),
  })
  .meta({ id: 'BatchView' });

export const JobIdParams = z.object({
  id: z
    .string()
    .meta({ description: 'The job id from the 202 answer', examples: ['job_mx5417b457ce39a192d4e84f9e54'] }),
});
export const BatchIdParams = z.object({
  id: z
    .string()
    .meta({ description: 'The batch id from the 202 answer', examples: ['bat_mx5417b457ce39a192d4e8'] }),
});

const codes = Object.keys(API_ERRORS) as ApiErrorCode[];

export const ProblemDoc = z
  .object({
    type: z.string().describe('Where this code is explained: `/docs#problem-<code>`'),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z
      .enum(codes as [ApiErrorCode, ...ApiErrorCode[]])
      .describe(
        codes.map((code) => `\`${code}\` (${API_ERRORS[code].status}): ${API_ERRORS[code].title}`).join('\n'),
      ),
    instance: z.string().optional().describe('The request path'),
    errors: z
      .array(z.object({ field: z.string(), message: z.string() }))
      .optional()
      .describe('For validation: every field at fault'),
    cap: z.number().int().optional().describe("`quota_exceeded`: the tenant's cap on unfinished jobs"),
    unfinished: z.number().int().optional().describe('`quota_exceeded`: its unfinished jobs now'),
    asked: z.number().int().optional().describe('`quota_exceeded`: the jobs this submission would add'),
  })
  .meta({
    id: 'Problem',
    description:
      'RFC 9457 problem details. Branch on `code`: it is stable; `title` and `detail` are for people.',
  });

/** Codes any /v1 route may answer, beyond its own. */
const EVERY_V1_ROUTE: ApiErrorCode[] = [
  'unauthorized',
  'method_not_allowed',
  'internal_error',
  'service_unavailable',
];

type ResponseDoc = { description: string; content: Record<string, { schema: z.ZodType }> };

/** A route's answers for the docs: its successes, and its problem codes grouped by status. */
export function responses(
  ok: Record<number, { description: string; schema?: z.ZodType; type?: string }>,
  problems: ApiErrorCode[] = [],
  { v1 = true } = {},
): Record<number, ResponseDoc> {
  const out: Record<number, ResponseDoc> = {};
  for (const [status, { description, schema, type }] of Object.entries(ok)) {
    // A body with no schema of its own (NDJSON, text) is documented as the text it is.
    out[Number(status)] = {
      description,
      content: { [type ?? 'application/json']: { schema: schema ?? z.string() } },
    };
  }
  const byStatus = new Map<number, ApiErrorCode[]>();
  for (const code of new Set([...problems, ...(v1 ? EVERY_V1_ROUTE : ['internal_error' as const])])) {
    const status = API_ERRORS[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b)) {
    out[status] = {
      description: `Problem: ${list.map((code) => `\`${code}\``).join(', ')}`,
      content: { 'application/problem+json': { schema: ProblemDoc } },
    };
  }
  return out;
}

export const V1_SECURITY = [{ bearer: [] }];

/** What every submission (a POST with a JSON or NDJSON body, under a tenant's quota) may answer. */
export const SUBMISSION_PROBLEMS: ApiErrorCode[] = [
  'validation_failed',
  'invalid_json',
  'payload_too_large',
  'unsupported_media_type',
  'idempotency_in_progress',
  'idempotency_key_reused',
  'quota_exceeded',
];

/** Every POST takes it; the idempotency hook reads it (and refuses a malformed one, naming it). */
export const IdempotencyHeaders = documentedOnly(
  z.object({
    'idempotency-key': z
      .string()
      .min(1)
      .max(255)
      .optional()
      .meta({
        description:
          'Repeat a request safely: the same key and body replay the first answer for 24 h; another body is 422.',
        examples: ['2f1c6a4e-retry-safe'],
      }),
  }),
);
