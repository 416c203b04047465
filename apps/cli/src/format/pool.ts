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

/** `calls/max` for an instance with a concurrency cap; empty without one. */
export function inFlightCell(i: Pick<PoolInstance, 'inFlight'>): string {
  return i.inFlight ? `${i.inFlight.calls}/${i.inFlight.maxConcurrent}` : '';
}

function earliest(...times: Array<string | null | undefined>): string | null {
  const known = times.filter((t): t is string => typeof t === 'string').sort();
  return known[0] ?? null;
}

/**
 * One row per instance and window: requests and tokens against the limit in force (and where that
 * limit came from), when the window next frees, and for the day when its budget runs out at the
 * current rate; like the state, the calls in flight of a capped instance are the instance's, on
 * both rows. The same figures /v1/pool and /admin/pool show.
 */
export function formatPool(instances: readonly PoolInstance[]): string {
  const rows = instances.flatMap((i) =>
    (['minute', 'day'] as const).map((window) => {
      const { requests, tokens } = i.windows[window];
      return [
        i.id,
        i.state,
        time(i.limitedUntil),
        inFlightCell(i),
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
    [
      'INSTANCE',
      'STATE',
      'LIMITED UNTIL',
      'IN FLIGHT',
      'WINDOW',
      'REQUESTS',
      'TOKENS',
      'FREES AT',
      'RUNS OUT',
      'REASON',
    ],
    rows,
    ['left', 'left', 'left', 'right', 'left', 'right', 'right', 'left', 'left', 'left'],
  );
}
