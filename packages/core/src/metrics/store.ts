import { hashTaggedPrefix } from '../keys.js';
import type { RedisClient } from '../redis.js';

/**
 * Worker metrics in Redis: one hash per prefix, one field per sample (metric name and labels as
 * JSON), the value a running total. Writers only ever add (HINCRBY), so any number of worker
 * processes sum into the same totals, and readers need one HGETALL per scrape.
 */
export function metricsKey(prefix: string): string {
  return `${hashTaggedPrefix(prefix)}:metrics`;
}

export type MetricLabels = Readonly<Record<string, string>>;

export interface StoredSample {
  /** The sample's own name: a counter's, or a histogram's `_bucket`, `_sum` or `_count`. */
  name: string;
  labels: MetricLabels;
  value: number;
}

/** Labels sorted by name, so the same sample always maps to the same field. */
export function sampleField(name: string, labels: MetricLabels): string {
  const sorted = Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return JSON.stringify([name, sorted]);
}

function parseField(field: string): { name: string; labels: MetricLabels } | null {
  try {
    const parsed: unknown = JSON.parse(field);
    if (!Array.isArray(parsed) || typeof parsed[0] !== 'string') return null;
    const labels = parsed[1];
    if (typeof labels !== 'object' || labels === null || Array.isArray(labels)) return null;
    if (!Object.values(labels).every((v) => typeof v === 'string')) return null;
    return { name: parsed[0], labels: labels as MetricLabels };
  } catch {
    return null;
  }
}

/**
 * The increments for one histogram observation: buckets are stored cumulative (every bucket whose
 * bound the value does not exceed, and +Inf), exactly as the exposition format wants them. The
 * other buckets get 0, so that every series has its full set of buckets from the first observation.
 */
export function histogramIncrements(
  name: string,
  labels: MetricLabels,
  value: number,
  buckets: readonly number[],
): Array<[field: string, by: number]> {
  const increments: Array<[string, number]> = [];
  for (const bound of buckets) {
    increments.push([
      sampleField(`${name}_bucket`, { ...labels, le: String(bound) }),
      value <= bound ? 1 : 0,
    ]);
  }
  increments.push([sampleField(`${name}_bucket`, { ...labels, le: '+Inf' }), 1]);
  increments.push([sampleField(`${name}_sum`, labels), value]);
  increments.push([sampleField(`${name}_count`, labels), 1]);
  return increments;
}

/** Adds the increments in one transaction, so a scrape never sees a histogram's count without its buckets. */
export async function addToStoredMetrics(
  redis: RedisClient,
  prefix: string,
  increments: ReadonlyMap<string, number>,
): Promise<void> {
  if (increments.size === 0) return;
  const key = metricsKey(prefix);
  const multi = redis.multi();
  for (const [field, by] of increments) {
    if (Number.isInteger(by)) multi.hincrby(key, field, by);
    else multi.hincrbyfloat(key, field, by);
  }
  const results = await multi.exec();
  const failed = results?.find(([err]) => err);
  if (!results || failed) throw failed?.[0] ?? new Error('the metrics transaction was discarded');
}

/** Every stored sample; a field that is not ours (or not a number) is skipped, not fatal. */
export async function readStoredMetrics(redis: RedisClient, prefix: string): Promise<StoredSample[]> {
  const hash = await redis.hgetall(metricsKey(prefix));
  const samples: StoredSample[] = [];
  for (const [field, raw] of Object.entries(hash)) {
    const parsed = parseField(field);
    const value = Number(raw);
    if (parsed && Number.isFinite(value)) samples.push({ ...parsed, value });
  }
  return samples;
}
