import type { PoolInstance, PoolWindow } from '../api-types.js';
import { table } from './table.js';

/** A time without its milliseconds: the pool's figures are not finer than that. */
function time(iso: string | null | undefined): string {
  return iso ? iso.replace(/\.\d+Z$/, 'Z') : '';
}

/** `used/limit source`; `–` for a limit nobody knows. */
export function usageCell(w: PoolWindow): string {
  return w.limit === null ? `${w.used}/–` : `${w.used}/${w.limit} ${w.source}`;
}

function earliest(...times: Array<string | null | undefined>): string | null {
  const known = times.filter((t): t is string => typeof t === 'string').sort();
  return known[0] ?? null;
}

/**
 * One row per instance and window: requests and tokens against the limit in force (and where that
 * limit came from), when the window next frees, and for the day when its budget runs out at the
 * current rate. The same figures /v1/pool and /admin/pool show.
 */
export function formatPool(instances: readonly PoolInstance[]): string {
  const rows = instances.flatMap((i) =>
    (['minute', 'day'] as const).map((window) => {
      const { requests, tokens } = i.windows[window];
      return [
        i.id,
        i.state,
        time(i.limitedUntil),
        window,
        usageCell(requests),
        usageCell(tokens),
        time(earliest(requests.freesAt, tokens.freesAt)),
        time(earliest(requests.exhaustsAt, tokens.exhaustsAt)),
        i.reason ?? '',
      ];
    }),
  );
  return table(
    ['INSTANCE', 'STATE', 'LIMITED UNTIL', 'WINDOW', 'REQUESTS', 'TOKENS', 'FREES AT', 'RUNS OUT', 'REASON'],
    rows,
    ['left', 'left', 'left', 'left', 'right', 'right', 'left', 'left', 'left'],
  );
}
