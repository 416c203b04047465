import { describe, expect, it } from 'vitest';
import { withFields } from '../../apps/api/src/with-fields.js';

describe('withFields', () => {
  it('is { ...base, ...fields }: a new object, the fields winning, the base untouched', () => {
    const base = { jobId: 'from-base', attempts: 4, nested: { age: 1 } };
    const out = withFields(base, { jobId: 'job_1', priority: 2 });
    expect(out).toEqual({ ...base, ...{ jobId: 'job_1', priority: 2 } });
    expect(base).toEqual({ jobId: 'from-base', attempts: 4, nested: { age: 1 } });
    expect(out.nested).toBe(base.nested);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
  });
});
