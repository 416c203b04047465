import type { PoolInstance } from '../api-types.js';
import { table } from './table.js';

type Limit = 'rpm' | 'tpm' | 'rpd' | 'tpd';

/** `used/limit`, the limit configured or else learned from the provider; `–` when nobody knows it. */
function usage(instance: PoolInstance, used: number, limit: Limit): string {
  const max = instance.limits[limit] ?? instance.learned[limit];
  return `${used}/${max ?? '–'}`;
}

export function formatPool(instances: readonly PoolInstance[]): string {
  const rows = instances.map((i) => [
    i.id,
    i.state,
    i.limitedUntil ?? '',
    usage(i, i.usage.minute.requests, 'rpm'),
    usage(i, i.usage.minute.tokens, 'tpm'),
    usage(i, i.usage.day.requests, 'rpd'),
    usage(i, i.usage.day.tokens, 'tpd'),
    i.reason ?? '',
  ]);
  return table(
    ['INSTANCE', 'STATE', 'LIMITED UNTIL', 'REQ/MIN', 'TOK/MIN', 'REQ/DAY', 'TOK/DAY', 'REASON'],
    rows,
    ['left', 'left', 'left', 'right', 'right', 'right', 'right', 'left'],
  );
}
