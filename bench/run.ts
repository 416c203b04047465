/**
 * `npm run bench`: every benchmark, one JSON summary on stdout, the figures written to
 * bench/results/latest.json and into BENCHMARKS.md (between its bench markers).
 * Not part of `npm test`. BENCH_QUICK=1 runs shorter versions (for a smoke check).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { benchApiSubmissions } from './api-submissions.js';
import { benchBatchAccept } from './batch-accept.js';
import { benchCapacity } from './capacity.js';
import { benchChoiceLatency } from './choice-latency.js';
import { benchDemoBatch } from './demo-batch.js';
import { benchReload } from './reload.js';
import { renderFigures } from './render.js';
import { machine } from './support.js';
import { benchThroughput } from './throughput.js';
import { benchThroughputHttp } from './throughput-http.js';
import { benchWaiting } from './waiting.js';

const quick = process.env.BENCH_QUICK === '1';
const step = async <T>(name: string, run: () => Promise<T>): Promise<T> => {
  process.stderr.write(`bench: ${name}…\n`);
  const started = performance.now();
  const result = await run();
  process.stderr.write(`bench: ${name} done in ${Math.round((performance.now() - started) / 1000)} s\n`);
  return result;
};

const summary = {
  at: new Date().toISOString(),
  command: quick ? 'BENCH_QUICK=1 npm run bench' : 'npm run bench',
  machine: machine(),
  throughput: await step('throughput', () => benchThroughput(quick ? 2000 : 5000, 50, quick ? 1 : 9)),
  throughputHighConcurrency: await step('throughput, concurrency 200', () =>
    benchThroughput(quick ? 2000 : 5000, 200, quick ? 1 : 9),
  ),
  throughputHttp: await step('throughput over HTTP', () =>
    benchThroughputHttp(quick ? 2000 : 5000, 50, quick ? 1 : 5),
  ),
  choiceLatency: await step('choice latency', () =>
    benchChoiceLatency(quick ? 5000 : 50_000, quick ? 3 : 10),
  ),
  apiSubmissions: await step('API submissions', () => benchApiSubmissions(quick ? 2 : 5, 50, quick ? 1 : 5)),
  batchAccept: await step('batch accept', () => benchBatchAccept(10_000)),
  reload: await step('providers reload', () => benchReload(3, quick ? 4 : 10)),
  capacityKnown: await step('capacity, known limits', () => benchCapacity('known', 400, 3000)),
  capacityUnknown: await step('capacity, learned limits', async () => {
    const runs = [];
    for (let i = 0; i < (quick ? 2 : 10); i++) runs.push(await benchCapacity('unknown', 400, 3000));
    return runs;
  }),
  demoBatch: await step('default demo, 250-item batch', () => benchDemoBatch(quick ? 60 : 250)),
  waiting: await step('waiting for capacity', () =>
    benchWaiting(quick ? [100, 10_000] : [100, 10_000, 100_000], quick ? 3 : 10, quick ? 70 : 150),
  ),
};

mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/latest.json', `${JSON.stringify(summary, null, 2)}\n`);
const doc = readFileSync('BENCHMARKS.md', 'utf8');
const start = '<!-- bench:start -->';
const end = '<!-- bench:end -->';
const [before] = doc.split(start);
const after = doc.split(end)[1] ?? '\n';
writeFileSync('BENCHMARKS.md', `${before}${start}\n${renderFigures(summary)}\n${end}${after}`);
process.stdout.write(`${JSON.stringify(summary)}\n`);
process.exit(0);
