import type { BatchView } from '../api-types.js';
import type { Output } from '../io.js';
import { finishedCount } from './batch.js';

export interface ProgressFigures {
  done: number;
  total: number;
  /** Items per second since watching began; null before there is a rate to speak of. */
  ratePerSecond: number | null;
  waiting: number;
}

const BAR_WIDTH = 30;

/** `[██████░░░░] 120/200  60%  35.2/s  ETA 2s  waiting 0` */
export function progressLine(f: ProgressFigures, bar = true): string {
  const fraction = f.total === 0 ? 1 : f.done / f.total;
  const filled = Math.round(fraction * BAR_WIDTH);
  const parts = [
    `${f.done}/${f.total}`,
    `${Math.floor(fraction * 100)}%`.padStart(4),
    f.ratePerSecond === null ? '–/s' : `${f.ratePerSecond.toFixed(1)}/s`,
    `ETA ${eta(f)}`,
    `waiting ${f.waiting}`,
  ];
  const text = parts.join('  ');
  return bar ? `[${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}] ${text}` : text;
}

function eta(f: ProgressFigures): string {
  if (f.done >= f.total) return '0s';
  if (!f.ratePerSecond) return '?';
  return duration((f.total - f.done) / f.ratePerSecond);
}

export function duration(seconds: number): string {
  const s = Math.ceil(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/**
 * Shows a batch's progress on stderr: on a terminal one bar redrawn in place (ANSI: carriage return,
 * erase line), elsewhere a plain line every `plainEveryMs` (logs and CI want lines, not redraws).
 */
export class ProgressReporter {
  #startedAt: number | null = null;
  #doneAtStart = 0;
  #lastPlainAt = Number.NEGATIVE_INFINITY;
  #drawn = false;

  constructor(
    private readonly out: Output,
    private readonly clock: () => number,
    private readonly plainEveryMs = 2000,
  ) {}

  update(view: BatchView): void {
    const now = this.clock();
    const done = finishedCount(view);
    if (this.#startedAt === null) {
      this.#startedAt = now;
      this.#doneAtStart = done;
    }
    const elapsed = (now - this.#startedAt) / 1000;
    const figures: ProgressFigures = {
      done,
      total: view.total,
      ratePerSecond: elapsed > 0 ? (done - this.#doneAtStart) / elapsed : null,
      waiting: view.counts.waiting_for_capacity ?? 0,
    };
    if (this.out.isTTY) {
      this.out.write(`\r\x1b[2K${progressLine(figures)}`);
      this.#drawn = true;
      return;
    }
    const final = done >= view.total;
    if (final || now - this.#lastPlainAt >= this.plainEveryMs) {
      this.out.write(`${view.id} ${view.status}: ${progressLine(figures, false)}\n`);
      this.#lastPlainAt = now;
    }
  }

  /** Leaves the terminal on a fresh line after the bar. */
  finish(): void {
    if (this.#drawn) this.out.write('\n');
    this.#drawn = false;
  }
}
