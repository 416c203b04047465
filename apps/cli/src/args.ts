import { parseArgs } from 'node:util';
import type { JobPriority } from './api-types.js';
import type { Options, Values } from './command.js';
import { UsageError } from './errors.js';

/** Accepted before or after the command: where the API is and which key to use. */
export const GLOBAL_OPTIONS = {
  url: { type: 'string' },
  'api-key': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Options;

/** The words that name the command (`batch`, `submit`), found before the strict parse knows its options. */
export function commandWords(argv: readonly string[]): string[] {
  const words: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') break;
    if (arg === '--url' || arg === '--api-key') {
      i++;
      continue;
    }
    if (arg.startsWith('-')) continue;
    words.push(arg);
    if (words.length === 2) break;
  }
  return words;
}

/** util.parseArgs, strict, with its errors as usage errors that name the command. */
export function parseCommandLine(
  argv: readonly string[],
  options: Options,
  usage: string,
): { values: Values; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options: { ...GLOBAL_OPTIONS, ...options },
      allowPositionals: true,
      strict: true,
    });
    return { values: values as Values, positionals };
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/\. To specify a positional.*$/s, '.'), [
      `usage: ${usage}`,
    ]);
  }
}

export function stringValue(values: Values, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

const PRIORITIES: readonly JobPriority[] = ['high', 'normal', 'low'];

/** `--priority high|normal|low`, checked here so a typo is a usage error, not a round trip. */
export function priorityValue(values: Values): JobPriority | undefined {
  const value = stringValue(values, 'priority');
  if (value === undefined || (PRIORITIES as readonly string[]).includes(value)) {
    return value as JobPriority | undefined;
  }
  throw new UsageError(`--priority must be one of ${PRIORITIES.join(', ')}, not "${value}".`);
}
