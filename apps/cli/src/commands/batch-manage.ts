import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { BatchView } from '../api-types.js';
import { stringValue } from '../args.js';
import type { Command, CommandContext } from '../command.js';
import { EXIT, UsageError } from '../errors.js';
import { formatBatch } from '../format/batch.js';
import { outcomeOf, watchBatch, writeResults } from './batch-submit.js';

function batchId(positionals: string[], usage: string): string {
  const [id] = positionals;
  if (!id || positionals.length > 1) throw new UsageError('Give exactly one batch id.', [`usage: ${usage}`]);
  return id;
}

function print(ctx: CommandContext, view: BatchView, json: boolean): void {
  ctx.io.stdout.write(json ? `${JSON.stringify(view, null, 2)}\n` : `${formatBatch(view)}\n`);
}

export const batchStatusCommand: Command = {
  name: 'batch status',
  summary: 'Show a batch: status and counts',
  usage: 'spillway batch status <id> [--wait] [--json]',
  help: [
    '  --wait   show progress until the batch has finished',
    '  --json   print the batch view as JSON',
    '',
    'Exits 1 when the batch has finished with failed or cancelled items.',
  ],
  options: { wait: { type: 'boolean' }, json: { type: 'boolean' } },
  async run(ctx, positionals, values) {
    const id = batchId(positionals, this.usage);
    let view = await ctx.client().json<BatchView>('GET', `/v1/batches/${encodeURIComponent(id)}`);
    if (values.wait) view = await watchBatch(ctx, view);
    print(ctx, view, values.json === true);
    return view.status === 'completed' || view.status === 'cancelled' ? outcomeOf(view) : EXIT.ok;
  },
};

export const batchCancelCommand: Command = {
  name: 'batch cancel',
  summary: 'Cancel a batch: items not started are cancelled, running ones finish',
  usage: 'spillway batch cancel <id> [--json]',
  help: ['  --json   print the batch view as JSON'],
  options: { json: { type: 'boolean' } },
  async run(ctx, positionals, values) {
    const id = batchId(positionals, this.usage);
    const view = await ctx.client().json<BatchView>('POST', `/v1/batches/${encodeURIComponent(id)}/cancel`);
    print(ctx, view, values.json === true);
    return EXIT.ok;
  },
};

export const batchResultsCommand: Command = {
  name: 'batch results',
  summary: 'Print (or save) the results NDJSON of a batch',
  usage: 'spillway batch results <id> [--out results.jsonl]',
  help: [
    'One line per item, in submission order: { customId, jobId, status, result?, error? }.',
    '',
    '  --out FILE   write to FILE instead of stdout',
  ],
  options: { out: { type: 'string' } },
  async run(ctx, positionals, values) {
    const id = batchId(positionals, this.usage);
    const out = stringValue(values, 'out');
    if (out) {
      await writeResults(ctx, id, out);
      return EXIT.ok;
    }
    const body = await ctx.client().stream(`/v1/batches/${encodeURIComponent(id)}/results`);
    const { stdout } = ctx.io;
    // Decoded as a stream: a character split between two chunks must not be mangled.
    const decoder = new TextDecoder();
    await pipeline(
      Readable.fromWeb(body as WebReadableStream<Uint8Array>),
      async (source: AsyncIterable<Buffer>) => {
        for await (const chunk of source) stdout.write(decoder.decode(chunk, { stream: true }));
        stdout.write(decoder.decode());
      },
    );
    return EXIT.ok;
  },
};
