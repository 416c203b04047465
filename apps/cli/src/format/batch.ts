import type { BatchView } from '../api-types.js';

/** One line per batch: where it stands, count by count. */
export function formatBatch(view: BatchView): string {
  const { counts } = view;
  const parts = [
    `${counts.completed} completed`,
    `${counts.failed} failed`,
    `${counts.cancelled} cancelled`,
    `${counts.queued} queued`,
  ];
  if (counts.running) parts.push(`${counts.running} running`);
  if (counts.waiting_for_capacity) parts.push(`${counts.waiting_for_capacity} waiting for capacity`);
  const eta = view.estimatedCompletionAt ? `; estimated completion ${view.estimatedCompletionAt}` : '';
  return `Batch ${view.id}: ${view.status}, ${view.total} items: ${parts.join(', ')}${eta}`;
}

export function finishedCount(view: BatchView): number {
  return view.counts.completed + view.counts.failed + view.counts.cancelled;
}
