export type BatchStatus = 'queued' | 'running' | 'completed' | 'cancelling' | 'cancelled';

/** Items by status. Unfinished items count as `queued`, or `waiting_for_capacity` while parked for capacity. */
export interface BatchCounts {
  queued: number;
  waiting_for_capacity?: number;
  completed: number;
  failed: number;
  cancelled: number;
}

export interface BatchView {
  id: string;
  status: BatchStatus;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  cancelledAt?: string;
  total: number;
  counts: BatchCounts;
  /** While unfinished: when the last item should finish, at the pace the batch has kept so far. */
  estimatedCompletionAt?: string;
  metadata?: Record<string, unknown>;
}

/** The batch hash, parsed. */
export interface BatchRecord {
  id: string;
  tenant: string;
  total: number;
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  cancelledAt?: number;
  callbackUrl?: string;
  metadata?: Record<string, unknown>;
  completed: number;
  failed: number;
  cancelled: number;
  finished: number;
}

export function parseBatchRecord(id: string, hash: Record<string, string>): BatchRecord | null {
  if (!hash.tenant || !hash.total) return null;
  const num = (name: string) => Number(hash[name] ?? 0);
  const when = (name: string) => (hash[name] ? Number(hash[name]) : undefined);
  const record: BatchRecord = {
    id,
    tenant: hash.tenant,
    total: num('total'),
    createdAt: num('createdAt'),
    completed: num('completed'),
    failed: num('failed'),
    cancelled: num('cancelled'),
    finished: num('finished'),
  };
  const startedAt = when('startedAt');
  const finishedAt = when('finishedAt');
  const cancelledAt = when('cancelledAt');
  if (startedAt !== undefined) record.startedAt = startedAt;
  if (finishedAt !== undefined) record.finishedAt = finishedAt;
  if (cancelledAt !== undefined) record.cancelledAt = cancelledAt;
  if (hash.callbackUrl) record.callbackUrl = hash.callbackUrl;
  if (hash.metadata) record.metadata = JSON.parse(hash.metadata) as Record<string, unknown>;
  return record;
}

export function batchStatus(record: BatchRecord): BatchStatus {
  const done = record.finished >= record.total;
  if (record.cancelledAt !== undefined) return done ? 'cancelled' : 'cancelling';
  if (done) return 'completed';
  return record.startedAt !== undefined || record.finished > 0 ? 'running' : 'queued';
}

export interface BatchViewContext {
  /** The batch's items parked for capacity now (see waiting/place.ts waitingCount). */
  waiting?: number;
  now?: number;
}

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

export function toBatchView(record: BatchRecord, ctx: BatchViewContext = {}): BatchView {
  const unfinished = Math.max(0, record.total - record.finished);
  const counts: BatchCounts = {
    queued: unfinished,
    completed: record.completed,
    failed: record.failed,
    cancelled: record.cancelled,
  };
  const waiting = Math.min(unfinished, Math.max(0, ctx.waiting ?? 0));
  if (waiting > 0) {
    counts.queued = unfinished - waiting;
    counts.waiting_for_capacity = waiting;
  }
  const view: BatchView = {
    id: record.id,
    status: batchStatus(record),
    createdAt: iso(record.createdAt)!,
    total: record.total,
    counts,
  };
  if (record.startedAt !== undefined) view.startedAt = iso(record.startedAt);
  if (record.finishedAt !== undefined) view.finishedAt = iso(record.finishedAt);
  if (record.cancelledAt !== undefined) view.cancelledAt = iso(record.cancelledAt);
  const completion = estimatedCompletion(record, unfinished, ctx.now);
  if (completion !== undefined) view.estimatedCompletionAt = iso(completion);
  if (record.metadata) view.metadata = record.metadata;
  return view;
}

/** The remaining items at the pace the finished ones took since the batch started. */
function estimatedCompletion(
  record: BatchRecord,
  unfinished: number,
  now: number | undefined,
): number | undefined {
  if (now === undefined || unfinished === 0 || record.cancelledAt !== undefined) return undefined;
  const since = record.startedAt ?? record.createdAt;
  if (record.finished === 0 || now <= since) return undefined;
  return now + Math.round(((now - since) / record.finished) * unfinished);
}
