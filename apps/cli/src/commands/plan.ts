import type { JobView } from '../api-types.js';
import { priorityValue, stringValue } from '../args.js';
import type { Command } from '../command.js';
import { EXIT, UsageError } from '../errors.js';
import { formatJob } from '../format/job.js';
import { waitForJob } from './wait-job.js';

export const planCommand: Command = {
  name: 'plan',
  summary: 'Submit a plan job; with --wait, print its schedule',
  usage:
    'spillway plan "<description>" [--date YYYY-MM-DD] [--model MODEL] [--coaching] [--priority high|normal|low] [--wait] [--json]',
  help: [
    'Submits a plan job for the description (what the day holds, in words).',
    '',
    '  --date YYYY-MM-DD  the day to plan',
    '  --model MODEL      pin a model (it then falls back only across credentials)',
    '  --coaching         also run a coaching job on the plan once it is done',
    '  --priority LEVEL   high, normal (the default) or low: runs before or after other jobs',
    '  --wait             wait for the job (and its coaching) and print the result',
    '  --json             print the job view as JSON; with --coaching and --wait, { "plan", "coaching" }',
    '',
    'Exits 1 when the job (or its coaching) fails or is cancelled.',
  ],
  options: {
    date: { type: 'string' },
    model: { type: 'string' },
    coaching: { type: 'boolean' },
    priority: { type: 'string' },
    wait: { type: 'boolean' },
    json: { type: 'boolean' },
  },
  async run(ctx, positionals, values) {
    const [description, ...extra] = positionals;
    if (!description?.trim()) throw new UsageError('plan needs a description.', [`usage: ${this.usage}`]);
    if (extra.length > 0) {
      throw new UsageError(`Unexpected argument "${extra[0]}": quote the description.`, [
        `usage: ${this.usage}`,
      ]);
    }
    const date = stringValue(values, 'date');
    if (date !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(date)) {
      throw new UsageError(`--date must be YYYY-MM-DD, not "${date}".`);
    }
    const model = stringValue(values, 'model');
    const priority = priorityValue(values);
    const request = {
      description,
      ...(date ? { date } : {}),
      ...(model ? { model } : {}),
      ...(values.coaching ? { coaching: true } : {}),
      ...(priority ? { priority } : {}),
    };
    const client = ctx.client();
    const accepted = await client.json<JobView>('POST', '/v1/plans', { json: request });
    const out = ctx.io.stdout;

    if (!values.wait) {
      if (values.json) out.write(`${JSON.stringify(accepted, null, 2)}\n`);
      else
        out.write(
          `Plan ${accepted.id} accepted (${accepted.status}). Follow it: spillway job ${accepted.id} --wait\n`,
        );
      return EXIT.ok;
    }
    const plan = await waitForJob(client, accepted.id);
    const coachingId = plan.coaching?.jobId;
    const coaching = coachingId ? await waitForJob(client, coachingId) : undefined;
    if (values.json) {
      const json = coaching ? { plan, coaching } : plan;
      out.write(`${JSON.stringify(json, null, 2)}\n`);
    } else {
      out.write(`${formatJob(plan)}\n`);
      if (coaching) out.write(`\n${formatJob(coaching)}\n`);
    }
    const ok = plan.status === 'completed' && (!coaching || coaching.status === 'completed');
    return ok ? EXIT.ok : EXIT.failed;
  },
};
