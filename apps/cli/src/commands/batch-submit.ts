import { constants, createReadStream, createWriteStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { BatchView } from '../api-types.js';
import { priorityValue, stringValue } from '../args.js';
import type { Command, CommandContext } from '../command.js';
import { EXIT, type ExitCode, UsageError } from '../errors.js';
import { finishedCount, formatBatch } from '../format/batch.js';
import { duration, ProgressReporter } from '../format/progress.js';

const POLL_MS = 500;

export const batchSubmitCommand: Command = {
  name: 'batch submit',
  summary: 'Submit a JSONL file of plan requests as one batch',
  usage:
    'spillway batch submit <file.jsonl> [--coaching] [--priority high|normal|low] [--callback-url URL] [--wait] [--out results.jsonl] [--json]',
  help: [
    'Each line of the file is one plan request with its own id:',
    '  {"customId": "monday", "description": "Write the report, gym at noon", "date": "2026-11-23"}',
    'The file is streamed to the API as NDJSON; a bad line refuses the whole batch and is named.',
    '',
    '  --coaching          coaching for every item (an item may still say otherwise)',
    '  --priority LEVEL    high, normal (the default) or low, for every item: ahead of or',
    '                      behind other batches (batch items always run after single jobs)',
    '  --callback-url URL  where batch.completed is posted when every item has finished',
    '  --wait              show progress until the batch has finished (a bar on a terminal,',
    '                      a line every 2 s otherwise, both on stderr)',
    '  --out FILE          write the results NDJSON to FILE once finished (implies --wait)',
    '  --json              print the batch view as JSON',
    '',
    'Exits 1 when an item failed or was cancelled, 2 when the file or a line in it is not valid.',
  ],
  options: {
    coaching: { type: 'boolean' },
    priority: { type: 'string' },
    'callback-url': { type: 'string' },
    wait: { type: 'boolean' },
    out: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(ctx, positionals, values) {
    const [file] = positionals;
    if (!file || positionals.length > 1)
      throw new UsageError('batch submit needs one file.', [`usage: ${this.usage}`]);
    try {
      await access(file, constants.R_OK);
    } catch (err) {
      throw new UsageError(
        `Cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}.`,
      );
    }
    const query = new URLSearchParams();
    if (values.coaching) query.set('coaching', 'true');
    const priority = priorityValue(values);
    if (priority) query.set('priority', priority);
    const callbackUrl = stringValue(values, 'callback-url');
    if (callbackUrl) query.set('callbackUrl', callbackUrl);
    const path = `/v1/batches${query.size > 0 ? `?${query}` : ''}`;
    const accepted = await ctx.client().json<BatchView>('POST', path, {
      stream: createReadStream(file),
      contentType: 'application/x-ndjson',
    });

    const out = stringValue(values, 'out');
    if (!values.wait && !out) {
      if (values.json) ctx.io.stdout.write(`${JSON.stringify(accepted, null, 2)}\n`);
      else
        ctx.io.stdout.write(
          `Batch ${accepted.id} accepted: ${accepted.total} items. Follow it: spillway batch status ${accepted.id}\n`,
        );
      return EXIT.ok;
    }
    ctx.io.stderr.write(`Batch ${accepted.id} accepted: ${accepted.total} items.\n`);
    const started = ctx.io.clock();
    const final = await watchBatch(ctx, accepted);
    if (out) await writeResults(ctx, final.id, out);
    if (values.json) ctx.io.stdout.write(`${JSON.stringify(final, null, 2)}\n`);
    else ctx.io.stdout.write(`${formatBatch(final)} (${duration((ctx.io.clock() - started) / 1000)})\n`);
    if (out) ctx.io.stderr.write(`Results written to ${out}.\n`);
    return outcomeOf(final);
  },
};

/** Polls the batch, drawing progress, until every item has finished. */
export async function watchBatch(ctx: CommandContext, first: BatchView): Promise<BatchView> {
  const progress = new ProgressReporter(ctx.io.stderr, ctx.io.clock);
  let view = first;
  for (;;) {
    progress.update(view);
    if (finishedCount(view) >= view.total) break;
    await ctx.io.sleep(POLL_MS);
    view = await ctx.client().json<BatchView>('GET', `/v1/batches/${encodeURIComponent(view.id)}`);
  }
  progress.finish();
  return view;
}

/** Streams the results NDJSON into the file: never the whole answer in memory. */
export async function writeResults(ctx: CommandContext, batchId: string, file: string): Promise<void> {
  const body = await ctx.client().stream(`/v1/batches/${encodeURIComponent(batchId)}/results`);
  await pipeline(Readable.fromWeb(body as WebReadableStream<Uint8Array>), createWriteStream(file));
}

export function outcomeOf(view: BatchView): ExitCode {
  return view.counts.failed > 0 || view.counts.cancelled > 0 ? EXIT.failed : EXIT.ok;
}
