import { z } from 'zod';

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;

const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

export const PlanItemSchema = z.object({
  start: z.string().regex(HHMM, 'must be HH:MM (24-hour)'),
  end: z.string().regex(HHMM, 'must be HH:MM (24-hour)'),
  task: z.string().min(1).max(500),
  priority: z.enum(['high', 'medium', 'low']),
});

/** The shape providers are asked for; refinements below are checked after, they are not JSON Schema. */
export const PlanResultShape = z.object({
  summary: z.string().min(1).max(2000),
  items: z.array(PlanItemSchema).min(1).max(48),
});

/** Every item ends after it starts, inside the day (HH:MM already keeps times within 00:00–23:59). */
function checkItemTimes(plan: z.output<typeof PlanResultShape>, ctx: z.RefinementCtx): void {
  plan.items.forEach((item, index) => {
    if (HHMM.test(item.start) && HHMM.test(item.end) && minutes(item.end) <= minutes(item.start)) {
      ctx.addIssue({
        code: 'custom',
        path: ['items', index, 'end'],
        message: `must be after start (${item.start}); items must stay inside one day`,
      });
    }
  });
}

/** No two items share time: the plan is one person's schedule, done one thing after another. */
function checkNoOverlap(plan: z.output<typeof PlanResultShape>, ctx: z.RefinementCtx): void {
  const timed = plan.items
    .map((item, index) => ({ index, start: minutes(item.start), end: minutes(item.end), item }))
    .filter(({ item }) => HHMM.test(item.start) && HHMM.test(item.end) && item.end > item.start)
    .sort((a, b) => a.start - b.start || a.end - b.end);
  for (let i = 1; i < timed.length; i++) {
    const previous = timed[i - 1]!;
    const current = timed[i]!;
    if (current.start < previous.end) {
      ctx.addIssue({
        code: 'custom',
        path: ['items', current.index, 'start'],
        message: `overlaps "${previous.item.task}" (${previous.item.start}–${previous.item.end}); items must not overlap`,
      });
    }
  }
}

/**
 * A plan a model produced that makes sense: every item ends after it starts, inside the day, and
 * items do not overlap (the plan prompt asks for exactly that, so a repair round can fix it).
 */
export const PlanResultSchema = PlanResultShape.superRefine((plan, ctx) => {
  checkItemTimes(plan, ctx);
  checkNoOverlap(plan, ctx);
});

/**
 * A plan a client gives for coaching. Overlaps are allowed: pointing them out is the coach's job;
 * times that cannot be read as a day are not.
 */
export const CoachablePlanSchema = PlanResultShape.superRefine(checkItemTimes);
export type PlanResult = z.infer<typeof PlanResultShape>;

export const CoachingResultSchema = z.object({
  strengths: z.array(z.string().min(1).max(500)).max(10),
  issues: z.array(z.string().min(1).max(500)).max(10),
  improvements: z.array(z.string().min(1).max(500)).max(10),
  energyTips: z.array(z.string().min(1).max(500)).max(10),
});
export type CoachingResult = z.infer<typeof CoachingResultSchema>;

/** JSON Schema for `response_format.json_schema.schema`, generated from the zod shape. */
export function structuredSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema) as Record<string, unknown>;
  return rest;
}
