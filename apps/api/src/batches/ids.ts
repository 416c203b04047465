import { randomBytes } from 'node:crypto';

/** `batch_` + time + randomness, like job ids; no `:` (it ends up in webhook ids, which BullMQ keys on). */
export function newBatchId(clock: () => number): string {
  return `batch_${clock().toString(36)}${randomBytes(10).toString('hex')}`;
}

export const isBatchId = (id: string) => /^batch_[a-z0-9]{8,40}$/.test(id);
