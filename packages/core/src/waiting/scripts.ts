import { readFileSync } from 'node:fs';
import type { RedisClient } from '../redis.js';

/** The waiting lines' Lua operations, one file each (see lua/*.lua for KEYS/ARGV/returns). */
const SCRIPTS = { park: 1, release: 2, wake: 2, leave: 1, 'fair-order': 1, 'slot-freed': 2 } as const;
export type WaitingScript = keyof typeof SCRIPTS;

type ScriptCall = (...args: Array<string | number>) => Promise<unknown>;
export type WaitingCommands = Record<WaitingScript, ScriptCall>;

function source(name: string): string {
  return readFileSync(new URL(`./lua/${name}.lua`, import.meta.url), 'utf8');
}

/** Registers the scripts on a connection, each with the shared includes prepended (as the pool's). */
export function defineWaitingCommands(redis: RedisClient): WaitingCommands {
  const includes = source('includes');
  const commands = {} as WaitingCommands;
  for (const [name, numberOfKeys] of Object.entries(SCRIPTS) as Array<[WaitingScript, number]>) {
    const command = `spillwayWait_${name}`;
    if (!(command in redis)) {
      redis.defineCommand(command, { numberOfKeys, lua: `${includes}\n${source(name)}` });
    }
    const bound = (redis as unknown as Record<string, ScriptCall>)[command]!;
    commands[name] = bound.bind(redis);
  }
  return commands;
}
