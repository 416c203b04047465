/**
 * Every key Spillway writes (BullMQ's and the pool's) starts with one hash-tagged prefix, so on a
 * Redis Cluster all keys a Lua script touches together land in the same slot.
 */
export function hashTaggedPrefix(prefix: string): string {
  return prefix.startsWith('{') && prefix.endsWith('}') ? prefix : `{${prefix}}`;
}

export function poolKeys(prefix: string) {
  const p = `${hashTaggedPrefix(prefix)}:pool`;
  return {
    /** Hash: instance id -> JSON of static facts (limits, provider, model), written at start. */
    instances: `${p}:instances`,
    /** String with TTL: present while the instance (or a wider scope) is rate limited. */
    limit: (scope: string) => `${p}:limit:${scope}`,
    /** Sorted set of request reservations in the sliding window, per instance. */
    window: (instanceId: string, unit: 'm' | 'd', what: 'req' | 'tok') =>
      `${p}:win:${unit}:${what}:${instanceId}`,
    disabled: `${p}:disabled`,
    root: p,
  };
}
