import type { PoolInstance } from '../api-types.js';
import type { Command } from '../command.js';
import { EXIT, UsageError } from '../errors.js';
import { formatPool } from '../format/pool.js';

export const poolCommand: Command = {
  name: 'pool',
  summary: 'Show every provider instance: state, limited until, usage against limits',
  usage: 'spillway pool [--json]',
  help: [
    'Usage reads `used/limit` for the current minute and day; `–` is a limit nobody knows yet.',
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
