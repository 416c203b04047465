import type { Command } from './command.js';
import { EXIT } from './errors.js';

export const DEFAULT_URL = 'http://127.0.0.1:3000';

const GLOBAL_HELP = [
  'Global options (before or after the command):',
  `  --url URL       the Spillway API (default: $SPILLWAY_URL, else ${DEFAULT_URL})`,
  '  --api-key KEY   the bearer key (default: $SPILLWAY_API_KEY)',
  '  -h, --help      help for spillway or for a command',
];

const EXIT_HELP = [
  'Exit codes:',
  `  ${EXIT.ok} ok   ${EXIT.failed} a job or batch item failed   ${EXIT.usage} usage or input error`,
  `  ${EXIT.api} API or network error   ${EXIT.auth} missing or invalid API key`,
];

export function mainHelp(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'spillway: run plan and coaching jobs through the Spillway API',
    '',
    'Usage: spillway <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    ...GLOBAL_HELP,
    '',
    ...EXIT_HELP,
    '',
    'Run `spillway <command> --help` for a command’s options.',
  ].join('\n');
}

export function commandHelp(command: Command): string {
  return [`${command.summary}.`, '', `Usage: ${command.usage}`, '', ...command.help, '', ...GLOBAL_HELP].join(
    '\n',
  );
}

export function groupHelp(group: string, commands: readonly Command[]): string {
  const members = commands.filter((c) => c.name.startsWith(`${group} `));
  return [
    `Usage: spillway ${group} <${members.map((c) => c.name.slice(group.length + 1)).join('|')}> [options]`,
    '',
    ...members.map((c) => `  ${c.usage}\n      ${c.summary}`),
  ].join('\n');
}
