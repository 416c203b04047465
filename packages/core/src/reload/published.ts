import { hashTaggedPrefix } from '../keys.js';
import type { RedisClient } from '../redis.js';

export function providersKeys(prefix: string) {
  const p = `${hashTaggedPrefix(prefix)}:providers`;
  return {
    /** Hash: `hash` (of the file's text), `counter`, `version` (`<counter>-<hash prefix>`). */
    published: `${p}:published`,
    /** Hash: process (role:pid@host) -> the version it runs, for operators and the reload bench. */
    processes: `${p}:processes`,
    /** Pub/sub channel: a new version was published (the message is the version). */
    channel: `${p}:changed`,
  };
}

/**
 * Makes a file's content the version every process should run: a new content gets the next
 * counter and is announced on the channel; the content already published keeps its version (so a
 * SIGHUP sent to every process at once, or a restart, does not make a new version of the same file).
 *
 * KEYS[1] published hash
 * ARGV[1] the content's hash (hex), ARGV[2] channel
 * Returns the version now in force.
 */
const PUBLISH = `
if redis.call('HGET', KEYS[1], 'hash') == ARGV[1] then return redis.call('HGET', KEYS[1], 'version') end
local counter = redis.call('HINCRBY', KEYS[1], 'counter', 1)
local version = counter .. '-' .. string.sub(ARGV[1], 1, 12)
redis.call('HSET', KEYS[1], 'hash', ARGV[1], 'version', version)
redis.call('PUBLISH', ARGV[2], version)
return version
`;

type Call = (...args: Array<string | number>) => Promise<unknown>;

export interface PublishedVersion {
  version: string;
  hash: string;
}

export async function publishVersion(redis: RedisClient, prefix: string, hash: string): Promise<string> {
  const name = 'spillwayProviders_publish';
  if (!(name in redis)) redis.defineCommand(name, { numberOfKeys: 1, lua: PUBLISH });
  const keys = providersKeys(prefix);
  return String(await (redis as unknown as Record<string, Call>)[name]!(keys.published, hash, keys.channel));
}

export async function readPublished(redis: RedisClient, prefix: string): Promise<PublishedVersion | null> {
  const [version, hash] = await redis.hmget(providersKeys(prefix).published, 'version', 'hash');
  return version && hash ? { version, hash } : null;
}
