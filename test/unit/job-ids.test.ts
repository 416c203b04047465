import { describe, expect, it } from 'vitest';
import { isBatchId, newBatchId } from '../../apps/api/src/batches/ids.js';
import { isJobId, newJobId } from '../../apps/api/src/job-ids.js';
import { randomHex } from '../../apps/api/src/random-hex.js';

describe('ids', () => {
  it('never repeat, across many blocks of randomness', () => {
    // 10 bytes an id, 4 KiB a block: 20,000 ids span about fifty refills of the block.
    const ids = Array.from({ length: 20_000 }, () => newJobId(() => 1));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every(isJobId)).toBe(true);
    expect(isBatchId(newBatchId(Date.now))).toBe(true);
  });

  it('hand out each random byte once: consecutive draws are not overlapping slices', () => {
    const a = randomHex(2048);
    const b = randomHex(2048);
    const c = randomHex(2048);
    expect([a, b, c].map((hex) => hex.length)).toEqual([4096, 4096, 4096]);
    expect(new Set([a, b, c]).size).toBe(3);
    expect(b.includes(a.slice(-64))).toBe(false);
    expect(randomHex(5000)).toMatch(/^[0-9a-f]{10000}$/);
  });
});
