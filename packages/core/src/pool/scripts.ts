import { readFileSync } from 'node:fs';
import type { RedisClient } from '../redis.js';

/** The pool's Lua operations, one file each (see lua/*.lua for KEYS/ARGV/returns). */
const SCRIPTS = ['choose', 'settle', 'limit', 'release', 'snapshot'] as const;
export type PoolScript = (typeof SCRIPTS)[number];

type ScriptCall = (root: string, ...args: Array<string | number>) => Promise<unknown>;
export type PoolCommands = Record<PoolScript, ScriptCall>;

function source(name: string): string {
  return readFileSync(new URL(`./lua/${name}.lua`, import.meta.url), 'utf8');
}

/**
 * Registers the scripts on a connection (ioredis sends EVALSHA and falls back to EVAL once, on
 * every node of a cluster alike). Each script gets the shared includes prepended, as BullMQ does.
 */
export function definePoolCommands(redis: RedisClient): PoolCommands {
  const includes = source('includes');
  const commands = {} as PoolCommands;
  for (const name of SCRIPTS) {
    const command = `spillwayPool_${name}`;
    if (!(command in redis)) {
      redis.defineCommand(command, { numberOfKeys: 1, lua: `${includes}\n${source(name)}` });
    }
    const bound = (redis as unknown as Record<string, ScriptCall>)[command]!;
    commands[name] = bound.bind(redis);
  }
  return commands;
}
