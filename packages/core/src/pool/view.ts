import type { Instance } from '../catalog/instance.js';

/** Where the limit in force came from. */
export type LimitSource = 'configured' | 'catalog' | 'header' | 'learned';

/** One measure (requests or tokens) of one window of one instance, as the pool view shows it. */
export interface WindowUsage {
  /** The limit in force; null when nobody knows it. */
  limit: number | null;
  source: LimitSource | null;
  /** Counted in the window now. */
  used: number;
  /** When the oldest usage counted now leaves the window (for a full window: when the next call fits). */
  freesAt: string | null;
}

export interface DayWindowUsage extends WindowUsage {
  /** When, at the rate of the last hour, the day's limit is reached; null when no rate or no limit. */
  exhaustsAt: string | null;
}

/** A capped instance's calls in flight now, across all workers, against its `maxConcurrent`. */
export interface InFlight {
  calls: number;
  maxConcurrent: number;
}

export interface InstanceState {
  id: string;
  providerId: string;
  type: Instance['type'];
  model: string;
  state: 'available' | 'limited' | 'disabled';
  limitedUntil: string | null;
  reason: string | null;
  windows: {
    minute: { requests: WindowUsage; tokens: WindowUsage };
    day: { requests: DayWindowUsage; tokens: DayWindowUsage };
  };
  /** Null for an instance without a cap: its calls in flight are not tracked. */
  inFlight: InFlight | null;
}

type Row = Array<string | number | null>;

const SOURCES = new Set<string>(['configured', 'catalog', 'header', 'learned']);

function reasonOf(payload: unknown): string | null {
  try {
    return (JSON.parse(String(payload)) as { reason?: string }).reason ?? null;
  } catch {
    return null;
  }
}

const at = (ms: number) => (ms < 0 ? null : new Date(ms).toISOString());

/** Where lua/snapshot.lua's row has the measures (after the instance's state), then the calls in flight. */
const MEASURES_AT = 4;
const IN_FLIGHT_AT = MEASURES_AT + 4 * 5;

/** Five fields per measure, as lua/snapshot.lua returns them. */
function usage(row: Row, index: number): DayWindowUsage {
  const [limit, source, used, freesAt, exhaustsAt] = row
    .slice(MEASURES_AT + index * 5, MEASURES_AT + 5 + index * 5)
    .map((v) => v ?? 0);
  const known = Number(limit) > 0;
  return {
    limit: known ? Number(limit) : null,
    source: known && SOURCES.has(String(source)) ? (String(source) as LimitSource) : null,
    used: Number(used),
    freesAt: at(Number(freesAt)),
    exhaustsAt: at(Number(exhaustsAt)),
  };
}

function minuteOnly({ exhaustsAt: _, ...rest }: DayWindowUsage): WindowUsage {
  return rest;
}

export function toState(instance: Instance, row: Row, now: number): InstanceState {
  const [disabled, disabledTtl, limit, limitTtl] = row;
  let state: InstanceState['state'] = 'available';
  let limitedUntil: string | null = null;
  let reason: string | null = null;
  if (disabled) {
    state = 'disabled';
    reason = reasonOf(disabled);
    limitedUntil = new Date(now + Number(disabledTtl)).toISOString();
  } else if (limit && Number(limitTtl) > 0) {
    state = 'limited';
    reason = reasonOf(limit);
    limitedUntil = new Date(now + Number(limitTtl)).toISOString();
  }
  return {
    id: instance.id,
    providerId: instance.providerId,
    type: instance.type,
    model: instance.model,
    state,
    limitedUntil,
    reason,
    windows: {
      minute: { requests: minuteOnly(usage(row, 0)), tokens: minuteOnly(usage(row, 1)) },
      day: { requests: usage(row, 2), tokens: usage(row, 3) },
    },
    inFlight:
      instance.maxConcurrent === undefined
        ? null
        : { calls: Math.max(0, Number(row[IN_FLIGHT_AT])), maxConcurrent: instance.maxConcurrent },
  };
}
