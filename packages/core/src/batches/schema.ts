import { z } from 'zod';
import { PlanRequestSchema } from '../jobs/requests.js';

export const MAX_BATCH_ITEMS = 10_000;

export const CustomIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'must be 1 to 64 characters from A-Z a-z 0-9 _ . : -');

/** One batch item: a plan request with the client's own id for it (its priority is the batch's). */
export const BatchItemSchema = PlanRequestSchema.omit({ priority: true }).extend({
  customId: CustomIdSchema,
});
export type BatchItem = z.infer<typeof BatchItemSchema>;

/**
 * What applies to the whole batch: coaching for every item (unless an item says otherwise), its
 * items' priority, and where `batch.completed` goes.
 */
export const BatchOptionsSchema = z.strictObject({
  coaching: PlanRequestSchema.shape.coaching,
  callbackUrl: PlanRequestSchema.shape.callbackUrl,
  metadata: PlanRequestSchema.shape.metadata,
  priority: PlanRequestSchema.shape.priority,
});
export type BatchOptions = z.infer<typeof BatchOptionsSchema>;

/**
 * The JSON form of `POST /v1/batches`. Items are checked one by one afterwards (each against
 * BatchItemSchema), so that a bad batch names every bad item without zod walking 10,000 of them twice.
 */
export const BatchJsonBodySchema = BatchOptionsSchema.extend({
  items: z.array(z.unknown()).min(1, 'a batch needs at least one item').max(MAX_BATCH_ITEMS),
});
