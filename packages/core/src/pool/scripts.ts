import { readFileSync } from 'node:fs';
import type { RedisClient } from '../redis.js';

/** The pool's Lua operations, one file each (see lua/*.lua for KEYS/ARGV/returns). */
const SCRIPTS = ['choose', 'settle', 'limit', 'release', 'snapshot'] as const;
export type PoolScript = (typeof SCRIPTS)[number];

/** Every key a script touches is passed as KEYS, so Redis Cluster checks the slots itself. */
type ScriptCall = (keys: readonly string[], args: ReadonlyArray<string | number>) => Promise<unknown>;
export type PoolCommands = Record<PoolScript, ScriptCall>;

const INCLUDE = /^--- @include "([\w/-]+)"$/gm;

function source(name: string): string {
  return readFileSync(new URL(`./lua/${name}.lua`, import.meta.url), 'utf8');
}

/**
 * A script with its `--- @include "includes/x"` lines replaced by those files, each once (as
 * BullMQ's loader does), so a helper lives in one file and every script that needs it says so.
 */
export function scriptSource(name: string, included = new Set<string>()): string {
  return source(name).replace(INCLUDE, (_line, include: string) => {
    if (included.has(include)) return '';
    included.add(include);
    return scriptSource(include, included);
  });
}

/**
 * Registers the scripts on a connection (ioredis sends EVALSHA and falls back to EVAL once, on
 * every node of a cluster alike). The number of keys varies per call (one set per instance), so
 * it goes first on each call.
 */
export function definePoolCommands(redis: RedisClient): PoolCommands {
  const commands = {} as PoolCommands;
  for (const name of SCRIPTS) {
    const command = `spillwayPool2_${name}`;
    if (!(command in redis)) redis.defineCommand(command, { lua: scriptSource(name) });
    const bound = (redis as unknown as Record<string, (...args: Array<string | number>) => Promise<unknown>>)[
      command
    ]!;
    commands[name] = (keys, args) => bound.call(redis, keys.length, ...keys, ...args);
  }
  return commands;
}
