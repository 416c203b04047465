import { commandWords, parseCommandLine, stringValue } from './args.js';
import { ApiClient } from './client.js';
import type { Command, CommandContext } from './command.js';
import { batchCancelCommand, batchResultsCommand, batchStatusCommand } from './commands/batch-manage.js';
import { batchSubmitCommand } from './commands/batch-submit.js';
import { jobCommand } from './commands/job.js';
import { planCommand } from './commands/plan.js';
import { poolCommand } from './commands/pool.js';
import { CliError, EXIT, type ExitCode, UsageError } from './errors.js';
import { commandHelp, DEFAULT_URL, groupHelp, mainHelp } from './help.js';
import type { Io } from './io.js';

export const COMMANDS: readonly Command[] = [
  planCommand,
  jobCommand,
  batchSubmitCommand,
  batchStatusCommand,
  batchCancelCommand,
  batchResultsCommand,
  poolCommand,
];

const GROUPS = new Set(COMMANDS.filter((c) => c.name.includes(' ')).map((c) => c.name.split(' ')[0]!));

/** Runs one command line; returns the exit code. Errors are reported on stderr in a sentence, never a stack. */
export async function run(argv: readonly string[], io: Io): Promise<ExitCode> {
  try {
    return await dispatch(argv, io);
  } catch (err) {
    if (err instanceof CliError) {
      io.stderr.write(`spillway: ${err.message}\n${err.details.map((d) => `  ${d}\n`).join('')}`);
      return err.exitCode;
    }
    io.stderr.write(`spillway: unexpected error: ${(err as Error).stack ?? String(err)}\n`);
    return EXIT.api;
  }
}

async function dispatch(argv: readonly string[], io: Io): Promise<ExitCode> {
  const words = commandWords(argv);
  const wantsHelp = argv.includes('--help') || argv.includes('-h');
  const [first, second] = words;
  if (!first || first === 'help') {
    if (!first && !wantsHelp) throw new UsageError('Which command?', ['Run `spillway --help` to see them.']);
    io.stdout.write(`${mainHelp(COMMANDS)}\n`);
    return EXIT.ok;
  }
  const group = GROUPS.has(first);
  const name = group && second ? `${first} ${second}` : first;
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    if (group && (wantsHelp || !second)) {
      if (!wantsHelp)
        throw new UsageError(`${first} needs a subcommand.`, groupHelp(first, COMMANDS).split('\n'));
      io.stdout.write(`${groupHelp(first, COMMANDS)}\n`);
      return EXIT.ok;
    }
    throw new UsageError(`Unknown command "${name}".`, ['Run `spillway --help` to see the commands.']);
  }
  if (wantsHelp) {
    io.stdout.write(`${commandHelp(command)}\n`);
    return EXIT.ok;
  }
  const { values, positionals } = parseCommandLine(argv, command.options, command.usage);
  const args = positionals.slice(name.split(' ').length);
  let client: ApiClient | undefined;
  const ctx: CommandContext = {
    io,
    client: () => {
      client ??= new ApiClient({
        baseUrl: stringValue(values, 'url') ?? io.env.SPILLWAY_URL ?? DEFAULT_URL,
        apiKey: stringValue(values, 'api-key') ?? io.env.SPILLWAY_API_KEY,
      });
      return client;
    },
  };
  return command.run(ctx, args, values);
}
