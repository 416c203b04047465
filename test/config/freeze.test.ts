import { describe, expect, it } from 'vitest';
import { deepFreeze } from '../../packages/core/src/config/freeze.js';

describe('deepFreeze', () => {
  it('freezes everything reachable, and stops at what is frozen already (so a cycle ends)', () => {
    const config: { nested: { list: number[] }; self?: unknown } = { nested: { list: [1, 2] } };
    config.self = config;
    expect(deepFreeze(config)).toBe(config);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.nested)).toBe(true);
    expect(Object.isFrozen(config.nested.list)).toBe(true);
  });

  it('gives back what cannot be frozen as it is', () => {
    expect(deepFreeze(null)).toBeNull();
    expect(deepFreeze(5)).toBe(5);
    expect(deepFreeze('text')).toBe('text');
  });
});
