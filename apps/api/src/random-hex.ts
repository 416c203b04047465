import { randomBytes } from 'node:crypto';

/**
 * Bytes are drawn from the CSPRNG a block at a time: one call per 4 KiB instead of one per id, which
 * under load cost a submission more than its JSON parsing did. Each byte is handed out once.
 */
const BLOCK_BYTES = 4096;
let block = Buffer.alloc(0);
let offset = 0;

/** `bytes` fresh random bytes, as hex (for ids that must not be guessable). */
export function randomHex(bytes: number): string {
  if (bytes > BLOCK_BYTES) return randomBytes(bytes).toString('hex');
  if (offset + bytes > block.length) {
    block = randomBytes(BLOCK_BYTES);
    offset = 0;
  }
  const hex = block.toString('hex', offset, offset + bytes);
  offset += bytes;
  return hex;
}
