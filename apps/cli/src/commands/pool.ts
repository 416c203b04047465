import type { PoolInstance } from '../api-types.js';
import type { Command } from '../command.js';
import { EXIT, UsageError } from '../errors.js';
import { formatPool } from '../format/pool.js';

export const poolCommand: Command = {
  name: 'pool',
  summary: 'Show every provider instance: state, limited until, usage against the limits in force',
  usage: 'spillway pool [--json]',
  help: [
    'One row per instance and window (minute, day). REQUESTS and TOKENS read `used/limit source`:',
    'the limit in force and where it came from (configured, catalog, header, learned); `–` is a',
    'limit nobody knows yet. FREES AT: when the oldest usage counted leaves the window. RUNS OUT:',
    "when the day's budget is spent at the rate of the last hour.",
    '',
    '  --json   print the API answer as JSON',
  ],
  options: { json: { type: 'boolean' } },
  async run(ctx, positionals, values) {
    if (positionals.length > 0) throw new UsageError('pool takes no arguments.', [`usage: ${this.usage}`]);
    const answer = await ctx.client().json<{ instances: PoolInstance[] }>('GET', '/v1/pool');
    ctx.io.stdout.write(
      values.json ? `${JSON.stringify(answer, null, 2)}\n` : `${formatPool(answer.instances)}\n`,
    );
    return EXIT.ok;
  },
};
