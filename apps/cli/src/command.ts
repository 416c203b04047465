import type { ParseArgsConfig } from 'node:util';
import type { ApiClient } from './client.js';
import type { ExitCode } from './errors.js';
import type { Io } from './io.js';

export type Options = NonNullable<ParseArgsConfig['options']>;
export type Values = Record<string, string | boolean | undefined>;

export interface CommandContext {
  io: Io;
  /** Made on first use, so `--help` and usage errors never need a URL or a key. */
  client(): ApiClient;
}

export interface Command {
  /** As typed: `plan`, `batch submit`. */
  name: string;
  summary: string;
  usage: string;
  /** Lines under the usage in `--help`: arguments, options, notes. */
  help: readonly string[];
  options: Options;
  run(ctx: CommandContext, positionals: string[], values: Values): Promise<ExitCode>;
}
