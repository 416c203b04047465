import type { benchApiSubmissions } from './api-submissions.js';
import type { benchBatchAccept } from './batch-accept.js';
import type { benchCapacity } from './capacity.js';
import type { benchChoiceLatency } from './choice-latency.js';
import type { benchDemoBatch } from './demo-batch.js';
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
  /** Learning unknown limits: several runs, since the first refusals depend on timing. */
  capacityUnknown: Capacity[];
  demoBatch: Result<typeof benchDemoBatch>;
  waiting: Result<typeof benchWaiting>;
}

/** Renders the figures of a bench run as the Markdown block BENCHMARKS.md quotes. */
export function renderFigures(s: BenchSummary): string {
  const t = s.throughput;
  const h = s.throughputHttp;
  const c = s.choiceLatency;
  const a = s.apiSubmissions;
  const w = s.waiting;
  const d = s.demoBatch;
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
    ...c.levels.map(
      (l) =>
        `| choice + reservation (one Lua call, 10 instances), ${c.calls} calls, busiest instance's day window at ${l.dayCalls.toLocaleString('en-US')} calls | p50 ${l.p50Ms} ms, **p99 ${l.p99Ms} ms**, max ${l.maxMs} ms; Redis memory for that instance ${l.memoryPerInstanceKB} KB | p99 ≤ 1 ms |`,
    ),
    `| longest single script call, ${c.sustained.seconds} s sustained (200 choices in flight, up to ${c.sustained.perCall} per script call, each settled; day window at 1,000,000 calls; Redis on ${c.redisCpu}), SLOWLOG | **${c.sustained.longestScriptMs} ms** (p50 ${c.sustained.scriptP50Ms} ms, p99 ${c.sustained.scriptP99Ms} ms over ${c.sustained.scriptCalls} script calls; ${c.sustained.choices} choices) | ≤ 5 ms |`,
    `| POST /v1/plans, ${a.connections} connections, ${a.rounds} rounds of ${a.seconds} s each, alternating with the bare route (autocannon; medians) | **${a.spillway.requestsPerSecond}/s, p99 ${a.spillway.p99Ms} ms** (bare Fastify + queue.add: ${a.bareQueueAdd.requestsPerSecond}/s, p99 ${a.bareQueueAdd.p99Ms} ms; rate **${a.ratio}×** (rounds: ${a.roundRatios.join(', ')}), p99 **${a.p99Ratio}×** of the bare route's (rounds: ${a.roundP99Ratios.join(', ')})) | ≥ 0.6× the bare route's rate, p99 ≤ 1.5× its p99 |`,
    `| POST /v1/batches, ${s.batchAccept.items} NDJSON items | accepted in **${s.batchAccept.acceptMs} ms** (median of ${s.batchAccept.warmMs.length} on a running API: ${s.batchAccept.warmMs.join(', ')} ms; the first, on a fresh one, ${s.batchAccept.firstMs} ms) | < 1 s |`,
    `| providers reload, ${s.reload.processes} processes (\`npm run api\` + ${s.reload.processes - 1} × \`npm run worker\`), ${s.reload.rounds} rounds | until every process runs the new version: POST /admin/reload median **${s.reload.adminReload.medianMs} ms** (max ${s.reload.adminReload.maxMs} ms), SIGHUP to one worker median **${s.reload.sighup.medianMs} ms** (max ${s.reload.sighup.maxMs} ms) | ≤ 5 s |`,
    '',
    `Capacity: 10 simulated models (groq, openai, gemini, cerebras, anthropic dialects), 10 calls per window each, 400 jobs, 2 workers × 50; the window is ${s.capacityKnown.windowMs / 1000} s in both simulator and pool (the production algorithm with a shortened minute). The bound is jobs ÷ (combined calls per window) × window.`,
    '',
    '| limits | completed | failed | upstream 429s | time | bound | time ÷ bound |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    cap(s.capacityKnown),
    ...s.capacityUnknown.map(cap),
    '',
    learnedSummary(s.capacityUnknown),
    '',
    `Default demo: the built-in providers (${d.instances} instances, ${d.requestsPerMinute} requests/min combined) against the built-in simulator, which limits each credential × model; one worker × 50, a ${d.items}-item batch over HTTP. The bound is floor((items − 1) ÷ combined rpm) minutes + one 300 ms call.`,
    '',
    '| items | completed | failed | upstream 429s | time | bound | time ÷ bound | /v1/pool, pool page, `spillway pool` agree |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    `| ${d.items} | ${d.completed} | ${d.failed} | ${d.upstream429} | ${(d.elapsedMs / 1000).toFixed(1)} s | ${(d.boundMs / 1000).toFixed(1)} s | **${d.timeVsBound}×** (target ≤ 1.15×) | ${d.poolViewsAgree ? 'yes' : `no: ${d.poolViewDifferences.join('; ')}`} |`,
    '',
    `Waiting for capacity: every instance limited; a redis-server and a worker process of their own; measured over ${w.measureSeconds} s at each level (failed jobs: ${w.failed}).`,
    '',
    '| waiting jobs | Redis commands/s | worker CPU |',
    '| --- | --- | --- |',
    ...w.levels.map(
      (l) =>
        `| ${l.waitingJobs.toLocaleString('en-US')} | ${l.redisCommandsPerSecond} | ${l.workerCpuPercent} % |`,
    ),
    '',
    `Draining: one model with a known limit of ${w.drains[0]?.rpm} rpm (a provider answering at once), measured over ${w.drainSeconds} s once every job has been looked at; estimatedStartAt read for the jobs first in line, against when each started (startedAt − estimate).`,
    '',
    '| waiting jobs | jobs run | Redis commands/s | commands per job run | worker CPU | estimate error: median (signed) | median abs | p90 abs |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...w.drains.map(
      (d) =>
        `| ${d.waitingJobs.toLocaleString('en-US')} | ${d.completedInWindow} | ${d.redisCommandsPerSecond} | ${d.commandsPerCompletedJob} | ${d.workerCpuPercent} % | ${d.estimate.medianErrorMs} ms | ${d.estimate.medianAbsErrorMs} ms | ${d.estimate.p90AbsErrorMs} ms (${d.estimate.started}/${d.estimate.sampled} started) |`,
    ),
  ].join('\n');
}

/** The learned-limits runs in one line: the worst run is what the target is held to. */
function learnedSummary(runs: Capacity[]): string {
  const perJob = runs.map((r) => r.upstream429PerJob).sort((a, b) => a - b);
  const ratio = runs.map((r) => r.timeVsBound).sort((a, b) => a - b);
  const median = (xs: number[]) => xs[Math.floor((xs.length - 1) / 2)];
  return `Learned limits over ${runs.length} runs: upstream 429s per job median ${median(perJob)}, **max ${perJob[perJob.length - 1]}** (target ≤ 0.05); time ÷ bound median ${median(ratio)}×, max ${ratio[ratio.length - 1]}×.`;
}
