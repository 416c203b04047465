import { randomHex } from '../random-hex.js';

/** `batch_` + time + randomness, like job ids; no `:` (it ends up in webhook ids, which BullMQ keys on). */
export function newBatchId(clock: () => number): string {
  return `batch_${clock().toString(36)}${randomHex(10)}`;
}

export const isBatchId = (id: string) => /^batch_[a-z0-9]{8,40}$/.test(id);
