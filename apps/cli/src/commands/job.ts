import type { JobView } from '../api-types.js';
import type { Command } from '../command.js';
import { EXIT, UsageError } from '../errors.js';
import { formatJob } from '../format/job.js';
import { waitForJob } from './wait-job.js';

export const jobCommand: Command = {
  name: 'job',
  summary: 'Show a job: status, schedule or coaching, error',
  usage: 'spillway job <id> [--wait] [--json]',
  help: [
    '  --wait   wait until the job has finished',
    '  --json   print the job view as JSON',
    '',
    'Exits 1 when the job failed or was cancelled.',
  ],
  options: { wait: { type: 'boolean' }, json: { type: 'boolean' } },
  async run(ctx, positionals, values) {
    const [id] = positionals;
    if (!id || positionals.length > 1)
      throw new UsageError('job needs exactly one job id.', [`usage: ${this.usage}`]);
    const client = ctx.client();
    const view = values.wait
      ? await waitForJob(client, id)
      : await client.json<JobView>('GET', `/v1/jobs/${encodeURIComponent(id)}`);
    ctx.io.stdout.write(values.json ? `${JSON.stringify(view, null, 2)}\n` : `${formatJob(view)}\n`);
    return view.status === 'failed' || view.status === 'cancelled' ? EXIT.failed : EXIT.ok;
  },
};
