import { CoachablePlanSchema, PlanResultSchema, planUserPrompt } from '@spillway/core';
import { describe, expect, it } from 'vitest';

type Item = { start: string; end: string; task: string; priority: 'high' | 'medium' | 'low' };
const item = (start: string, end: string, task = `Task ${start}`): Item => ({
  start,
  end,
  task,
  priority: 'medium',
});
const planOf = (...items: Item[]) => ({ summary: 'A day.', items });

/** `path: message` of every problem, or [] for a plan that passes. */
function problems(schema: typeof PlanResultSchema, plan: unknown): string[] {
  const result = schema.safeParse(plan);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('the plan sense check', () => {
  it('accepts back-to-back items inside the day, in any order', () => {
    expect(
      problems(
        PlanResultSchema,
        planOf(item('10:00', '11:00'), item('09:00', '10:00'), item('23:00', '23:59')),
      ),
    ).toEqual([]);
  });

  it('rejects an item that ends when or before it starts', () => {
    expect(problems(PlanResultSchema, planOf(item('10:00', '10:00')))).toEqual([
      'items.0.end: must be after start (10:00); items must stay inside one day',
    ]);
    expect(problems(PlanResultSchema, planOf(item('09:00', '10:00'), item('23:00', '01:00')))).toEqual([
      'items.1.end: must be after start (23:00); items must stay inside one day',
    ]);
  });

  it('rejects times outside 00:00–23:59', () => {
    for (const [start, end] of [
      ['09:00', '24:00'],
      ['9:00', '10:00'],
      ['09:00', '10:60'],
      ['-1:00', '02:00'],
    ]) {
      expect(
        problems(PlanResultSchema, planOf(item(start!, end!))).length,
        `${start}–${end}`,
      ).toBeGreaterThan(0);
    }
  });

  it('rejects overlapping items in a plan a model wrote, naming both', () => {
    expect(
      problems(PlanResultSchema, planOf(item('09:00', '11:00', 'Report'), item('10:30', '12:00', 'Bank'))),
    ).toEqual(['items.1.start: overlaps "Report" (09:00–11:00); items must not overlap']);
  });

  it('lets a client hand coaching an overlapping plan, but not one that cannot be a day', () => {
    const overlapping = planOf(item('09:00', '11:00'), item('10:30', '12:00'));
    expect(problems(CoachablePlanSchema, overlapping)).toEqual([]);
    expect(problems(CoachablePlanSchema, planOf(item('11:00', '09:00')))).toHaveLength(1);
  });
});

describe('the plan prompt', () => {
  it('names the date with its weekday and sets the description apart', () => {
    expect(planUserPrompt({ description: 'Gym, email', date: '2026-11-23' })).toBe(
      'The day to plan: 2026-11-23 (Monday).\n<description>\nGym, email\n</description>',
    );
    expect(planUserPrompt({ description: 'Gym, email' })).toBe('<description>\nGym, email\n</description>');
  });
});
