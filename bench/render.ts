import type { benchApiSubmissions } from './api-submissions.js';
import type { benchBatchAccept } from './batch-accept.js';
import type { benchCapacity } from './capacity.js';
import type { benchChoiceLatency } from './choice-latency.js';
import type { benchReload } from './reload.js';
import type { machine } from './support.js';
import type { benchThroughput } from './throughput.js';
import type { benchThroughputHttp } from './throughput-http.js';
import type { benchWaiting } from './waiting.js';

type Result<F extends (...args: never[]) => unknown> = Awaited<ReturnType<F>>;
type Capacity = Result<typeof benchCapacity>;

export interface BenchSummary {
  at: string;
  command: string;
  machine: ReturnType<typeof machine>;
  throughput: Result<typeof benchThroughput>;
  throughputHighConcurrency: Result<typeof benchThroughput>;
  throughputHttp: Result<typeof benchThroughputHttp>;
  choiceLatency: Result<typeof benchChoiceLatency>;
  apiSubmissions: Result<typeof benchApiSubmissions>;
  batchAccept: Result<typeof benchBatchAccept>;
  reload: Result<typeof benchReload>;
  capacityKnown: Capacity;
  capacityUnknown: Capacity;
  waiting: Result<typeof benchWaiting>;
}

/** Renders the figures of a bench run as the Markdown block BENCHMARKS.md quotes. */
export function renderFigures(s: BenchSummary): string {
  const t = s.throughput;
  const h = s.throughputHttp;
  const c = s.choiceLatency;
  const a = s.apiSubmissions;
  const w = s.waiting;
  const cap = (r: Capacity) =>
    `| ${r.mode} | ${r.completed}/${r.jobs} | ${r.failed} | ${r.upstream429} (${r.upstream429PerJob}/job) | ${(r.elapsedMs / 1000).toFixed(1)} s | ${(r.boundMs / 1000).toFixed(1)} s | ${r.timeVsBound}× |`;
  return [
    `Run \`${s.command}\` at ${s.at} on ${s.machine.cpus}, ${s.machine.memoryGiB} GiB, Node ${s.machine.node}, ${s.machine.platform}; Redis on loopback.`,
    '',
    '| figure | result | target |',
    '| --- | --- | --- |',
    ...[t, s.throughputHighConcurrency].map(
      (x) =>
        `| throughput, provider in process answering at once, concurrency ${x.concurrency}, ${x.jobs} jobs after ${x.warmUpJobs} untimed (median of ${x.rounds} rounds) | Spillway ${x.spillwayJobsPerSecond} jobs/s vs an empty BullMQ worker ${x.rawJobsPerSecond} jobs/s = **${x.ratio}×** (rounds: ${x.roundRatios.join(', ')}); the work with no pool (a bare worker calling the same provider, validating and storing the answer): ${x.floorJobsPerSecond} jobs/s = ${x.floorRatio}× of the empty worker, Spillway = **${x.ofFloor}×** of it | ≥ 0.7× |`,
    ),
    `| end-to-end throughput over HTTP, zero-latency provider in its own process, concurrency ${h.concurrency}, ${h.jobs} jobs after ${h.warmUpJobs} untimed (median of ${h.rounds} rounds) | Spillway ${h.spillwayJobsPerSecond} jobs/s vs raw BullMQ making the same call ${h.rawJobsPerSecond} jobs/s = **${h.ratio}×** (rounds: ${h.roundRatios.join(', ')}) | ≥ 0.7× |`,
    `| choice + reservation (one Lua call, 10 instances), ${c.calls} calls | p50 ${c.p50Ms} ms, **p99 ${c.p99Ms} ms**, max ${c.maxMs} ms | p99 ≤ 1 ms |`,
    `| POST /v1/plans, ${a.connections} connections, ${a.seconds} s (autocannon) | **${a.spillway.requestsPerSecond}/s, p99 ${a.spillway.p99Ms} ms** (bare Fastify + queue.add: ${a.bareQueueAdd.requestsPerSecond}/s, p99 ${a.bareQueueAdd.p99Ms} ms; rate **${a.ratio}×**, p99 **${a.p99Ratio}×** of the bare route's) | ≥ 0.6× the bare route's rate, p99 ≤ 1.5× its p99 |`,
    `| POST /v1/batches, ${s.batchAccept.items} NDJSON items | accepted in **${s.batchAccept.acceptMs} ms** | < 1 s |`,
    `| providers reload, ${s.reload.processes} processes (\`npm run api\` + ${s.reload.processes - 1} × \`npm run worker\`), ${s.reload.rounds} rounds | until every process runs the new version: POST /admin/reload median **${s.reload.adminReload.medianMs} ms** (max ${s.reload.adminReload.maxMs} ms), SIGHUP to one worker median **${s.reload.sighup.medianMs} ms** (max ${s.reload.sighup.maxMs} ms) | ≤ 5 s |`,
    '',
    `Capacity: 10 simulated models (groq, openai, gemini, cerebras, anthropic dialects), 10 calls per window each, 400 jobs, 2 workers × 50; the window is ${s.capacityKnown.windowMs / 1000} s in both simulator and pool (the production algorithm with a shortened minute). The bound is jobs ÷ (combined calls per window) × window.`,
    '',
    '| limits | completed | failed | upstream 429s | time | bound | time ÷ bound |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    cap(s.capacityKnown),
    cap(s.capacityUnknown),
    '',
    `Waiting for capacity: every instance limited; a redis-server and a worker process of their own; measured over ${w.measureSeconds} s at each level (failed jobs: ${w.failed}).`,
    '',
    '| waiting jobs | Redis commands/s | worker CPU |',
    '| --- | --- | --- |',
    ...w.levels.map(
      (l) =>
        `| ${l.waitingJobs.toLocaleString('en-US')} | ${l.redisCommandsPerSecond} | ${l.workerCpuPercent} % |`,
    ),
  ].join('\n');
}
