import { batchItemPriority, interactivePriority, PRIORITY_STEP } from '@spillway/core';
import { describe, expect, it } from 'vitest';

/** BullMQ's priorities: 1 runs first, 2^21 - 1 last; 0 means "no priority" and runs before all of them. */
const BULLMQ_LOWEST = 2 ** 21 - 1;

describe('the priority ladder', () => {
  it('gives every job a BullMQ priority (never 0, which would jump every prioritized job)', () => {
    const all = [
      ...(['high', 'normal', 'low'] as const).map((level) => interactivePriority(level)),
      interactivePriority(),
      ...(['high', 'normal', 'low'] as const).flatMap((level) => [
        batchItemPriority(level, 0, 0),
        batchItemPriority(level, 10 ** 12, 10_000),
      ]),
    ];
    for (const p of all) {
      expect(Number.isInteger(p)).toBe(true);
      expect(p).toBeGreaterThanOrEqual(1);
      expect(p).toBeLessThanOrEqual(BULLMQ_LOWEST);
    }
  });

  it('runs interactive high, normal, low in that order, normal by default', () => {
    expect(interactivePriority('high')).toBeLessThan(interactivePriority('normal'));
    expect(interactivePriority('normal')).toBeLessThan(interactivePriority('low'));
    expect(interactivePriority()).toBe(interactivePriority('normal'));
  });

  it('puts every batch item, however high its batch, below every interactive job', () => {
    expect(batchItemPriority('high', 0, 0)).toBeGreaterThan(interactivePriority('low'));
  });

  it('keeps a high batch ahead of a normal one, and a normal ahead of a low, whatever their backlogs', () => {
    const deepest = (level: 'high' | 'normal') => batchItemPriority(level, 10 ** 12, 10_000);
    expect(deepest('high')).toBeLessThan(batchItemPriority('normal', 0, 0));
    expect(deepest('normal')).toBeLessThan(batchItemPriority('low', 0, 0));
  });

  it('climbs one rung per PRIORITY_STEP items of the tenant’s backlog', () => {
    const first = batchItemPriority('normal', 0, 0);
    expect(batchItemPriority('normal', 0, PRIORITY_STEP - 1)).toBe(first);
    expect(batchItemPriority('normal', 0, PRIORITY_STEP)).toBe(first + 1);
    expect(batchItemPriority('normal', 2 * PRIORITY_STEP, 0)).toBe(first + 2);
  });
});
