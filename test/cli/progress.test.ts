import { describe, expect, it } from 'vitest';
import type { BatchView } from '../../apps/cli/src/api-types.js';
import { duration, ProgressReporter, progressLine } from '../../apps/cli/src/format/progress.js';
import { table } from '../../apps/cli/src/format/table.js';

function view(done: number, total = 200, waiting = 0): BatchView {
  return {
    id: 'batch_x',
    status: done >= total ? 'completed' : 'running',
    createdAt: '2026-11-23T09:00:00.000Z',
    total,
    counts: {
      queued: waiting > 0 ? 0 : total - done,
      waiting_for_capacity: waiting,
      completed: done,
      failed: 0,
      cancelled: 0,
    },
  };
}

function recorder(isTTY: boolean) {
  const writes: string[] = [];
  return { out: { isTTY, write: (text: string) => writes.push(text) }, writes };
}

describe('batch progress', () => {
  it('draws a bar with done/total, percent, rate, ETA and the waiting count', () => {
    expect(progressLine({ done: 50, total: 200, ratePerSecond: 25, waiting: 3 })).toBe(
      `[${'█'.repeat(8)}${'░'.repeat(22)}] 50/200   25%  25.0/s  ETA 6s  waiting 3`,
    );
    expect(progressLine({ done: 0, total: 10, ratePerSecond: null, waiting: 0 }, false)).toBe(
      '0/10    0%  –/s  ETA ?  waiting 0',
    );
    expect(duration(59.2)).toBe('1m00s');
    expect(duration(3725)).toBe('1h02m');
  });

  it('redraws one line in place on a terminal, rate measured from when watching began', () => {
    let now = 0;
    const { out, writes } = recorder(true);
    const progress = new ProgressReporter(out, () => now);
    progress.update(view(20));
    now = 2000;
    progress.update(view(100, 200, 100));
    now = 4000;
    progress.update(view(200));
    progress.finish();
    expect(writes.every((w, i) => (i < 3 ? w.startsWith('\r\x1b[2K[') : w === '\n'))).toBe(true);
    expect(writes[1]).toContain('100/200   50%  40.0/s  ETA 3s  waiting 100');
    expect(writes[2]).toContain('200/200  100%  45.0/s  ETA 0s');
    expect(writes).toHaveLength(4);
  });

  it('prints plain lines no more often than asked, and always the last one, when not a terminal', () => {
    let now = 0;
    const { out, writes } = recorder(false);
    const progress = new ProgressReporter(out, () => now, 2000);
    for (const done of [0, 40, 80, 120, 160]) {
      progress.update(view(done));
      now += 500;
    }
    progress.update(view(200));
    progress.finish();
    expect(writes).toEqual([
      'batch_x running: 0/200    0%  –/s  ETA ?  waiting 0\n',
      'batch_x running: 160/200   80%  80.0/s  ETA 1s  waiting 0\n',
      'batch_x completed: 200/200  100%  80.0/s  ETA 0s  waiting 0\n',
    ]);
  });
});

describe('tables', () => {
  it('pads columns to their widest cell and aligns numbers right', () => {
    expect(
      table(
        ['A', 'NUM', 'LAST'],
        [
          ['x', '5', 'end'],
          ['longer', '123', ''],
        ],
        ['left', 'right'],
      ),
    ).toBe(['A       NUM  LAST', 'x         5  end', 'longer  123'].join('\n'));
  });
});
