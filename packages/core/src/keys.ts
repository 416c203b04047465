/**
 * Every key Spillway writes (BullMQ's and the pool's) starts with one hash-tagged prefix, so on a
 * Redis Cluster all keys a Lua script touches together land in the same slot.
 */
export function hashTaggedPrefix(prefix: string): string {
  return prefix.startsWith('{') && prefix.endsWith('}') ? prefix : `{${prefix}}`;
}

/** The root of the pool's keys; pool/instance-keys.ts names every key under it. */
export function poolKeys(prefix: string) {
  return { root: `${hashTaggedPrefix(prefix)}:pool` };
}
