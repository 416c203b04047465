import { type InstanceState, PROVIDER_TYPES } from '@spillway/core';
import { z } from 'zod';

const LimitsSchema = z.object({
  rpm: z.number().optional(),
  tpm: z.number().optional(),
  rpd: z.number().optional(),
  tpd: z.number().optional(),
});

const UsageSchema = z.object({ requests: z.number(), tokens: z.number() });

/** `GET /v1/pool`, described for the docs; the type check below keeps it in step with the pool. */
export const InstanceStateSchema = z.object({
  id: z.string().describe('`<providerId>/<model>`'),
  providerId: z.string(),
  type: z.enum(PROVIDER_TYPES),
  model: z.string(),
  state: z.enum(['available', 'limited', 'disabled']),
  limitedUntil: z.iso.datetime().nullable(),
  reason: z.string().nullable(),
  limits: LimitsSchema.describe('Configured or catalog limits; an omitted limit is unknown, not zero'),
  learned: LimitsSchema.describe('Limits learned from the provider’s own headers'),
  usage: z.object({ minute: UsageSchema, day: UsageSchema }),
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
