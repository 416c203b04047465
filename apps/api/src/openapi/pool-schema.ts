import { type InstanceState, PROVIDER_TYPES } from '@spillway/core';
import { z } from 'zod';

const SOURCE = z
  .enum(['configured', 'catalog', 'header', 'learned'])
  .nullable()
  .describe(
    'Where the limit came from: the providers file, the catalog, the provider’s headers, or learned from a 429',
  );

const WindowSchema = z.object({
  limit: z.number().nullable().describe('The limit in force; null when nobody knows it'),
  source: SOURCE,
  used: z.number().describe('Counted in the window now'),
  freesAt: z.iso
    .datetime()
    .nullable()
    .describe(
      'When the oldest usage counted now leaves the window (for a full window: when the next call fits)',
    ),
});

const DayWindowSchema = WindowSchema.extend({
  exhaustsAt: z.iso
    .datetime()
    .nullable()
    .describe(
      'When the day’s limit is reached at the rate of the last hour; null with no limit or no traffic',
    ),
});

/** `GET /v1/pool`, described for the docs; the type check below keeps it in step with the pool. */
export const InstanceStateSchema = z.object({
  id: z.string().describe('`<providerId>/<model>`'),
  providerId: z.string(),
  type: z.enum(PROVIDER_TYPES),
  model: z.string(),
  state: z.enum(['available', 'limited', 'disabled']),
  limitedUntil: z.iso.datetime().nullable(),
  reason: z.string().nullable(),
  windows: z
    .object({
      minute: z.object({ requests: WindowSchema, tokens: WindowSchema }),
      day: z.object({ requests: DayWindowSchema, tokens: DayWindowSchema }),
    })
    .describe('Per window and measure: the limit in force and its source, usage now, when it frees'),
  inFlight: z
    .object({
      calls: z.number().describe('Calls in flight to the instance now, across all workers'),
      maxConcurrent: z.number().describe('The most it takes at once (the providers file’s maxConcurrent)'),
    })
    .nullable()
    .describe(
      'For an instance with a concurrency cap; null without one (its calls in flight are not tracked)',
    ),
});

export const PoolAnswerSchema = z.object({
  providersVersion: z
    .string()
    .describe(
      'The providers file version this API process runs (`<counter>-<content hash>`; see POST /admin/reload)',
    ),
  instances: z.array(InstanceStateSchema),
});

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
/** Fails to compile when this schema and the pool's InstanceState drift apart. */
export type _InstanceStateSchemaMatches = Assert<Same<z.output<typeof InstanceStateSchema>, InstanceState>>;
