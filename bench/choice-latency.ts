import {
  createRedis,
  hashTaggedPrefix,
  type Instance,
  MAX_CHOICES_PER_CALL,
  orderCandidates,
  Pool,
  Secret,
} from '@spillway/core';
import hdr from 'hdr-histogram-js';
import { type BenchRedis, startBenchRedis } from './private-redis.js';
import { benchPrefix } from './support.js';

/**
 * The Lua call every provider call makes (choice + reservation), on a redis-server of its own:
 *  - latency of one call at a time, over ten instances, with the busiest instance's day window
 *    holding 0, 14,400 (Groq's llama-3.1-8b-instant rpd) and 1,000,000 calls;
 *  - the longest single script call (SLOWLOG) in a sustained run of batched choices (200 in flight,
 *    sent MAX_CHOICES_PER_CALL per script call as a busy worker's pool does) and settlements;
 *  - Redis memory per instance (MEMORY USAGE of its keys) after a day's worth of calls.
 * A day window is filled by writing the buckets (and running totals) that many calls spread over
 * the last 24 h leave (60 buckets, see lua/includes/windows.lua): a million script calls would take minutes, and the
 * window's state is the same. test/pool/day-window-at-scale.test.ts makes 20,000 real calls.
 */
export async function benchChoiceLatency(calls = 20_000, sustainedSeconds = 10) {
  const server = await startBenchRedis({ ownCpu: true });
  try {
    const levels = [];
    for (const dayCalls of [0, 14_400, 1_000_000]) {
      levels.push({ dayCalls, ...(await latencyAt(server, dayCalls, calls)) });
    }
    const redisCpu =
      server.cpu === undefined ? 'a CPU shared with the bench' : `a CPU of its own (CPU ${server.cpu})`;
    return { calls, redisCpu, levels, sustained: await sustainedRun(server, sustainedSeconds) };
  } finally {
    await server.stop();
  }
}

const DAY = 86_400_000;

function tenInstances(): Instance[] {
  return Array.from({ length: 10 }, (_, i) => ({
    id: `p${i % 3}/m${i}`,
    providerId: `p${i % 3}`,
    type: i < 5 ? 'groq' : 'cerebras',
    model: `m${i}`,
    baseUrl: 'http://127.0.0.1:1/v1',
    limits: { rpm: 1_000_000_000, tpm: 1_000_000_000_000, rpd: 100_000_000 },
    free: true,
    apiKey: new Secret('x'),
  }));
}

/**
 * What `dayCalls` calls of 200 tokens, spread evenly over the last 24 h, leave in the instance's
 * day window, and in its minute window the last minute's share (every bucket of both in use).
 */
async function fillDayWindow(server: BenchRedis, prefix: string, instance: Instance, dayCalls: number) {
  if (dayCalls === 0) return;
  const [seconds, micros] = (await server.admin.time()) as unknown as [string, string];
  const now = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  const fill = async (unit: 'd' | 'm', bucketMs: number, total: number) => {
    const fields: Array<string | number> = [];
    let oldest = 0;
    for (let i = 0; i < 60; i++) {
      const start = now - (now % bucketMs) - i * bucketMs;
      const count = Math.floor(total / 60) + (i < total % 60 ? 1 : 0);
      fields.push(start, count, `${start}t`, count * 200);
      oldest = start;
    }
    // The running totals and the oldest bucket they count (lua/includes/windows.lua).
    fields.push('n', total, 's', total * 200, 'o', oldest);
    const key = `${hashTaggedPrefix(prefix)}:pool:w:${unit}:${instance.id}`;
    await server.admin.hset(key, ...fields);
    await server.admin.pexpire(key, 62 * bucketMs);
  };
  await fill('d', DAY / 60, dayCalls);
  await fill('m', 1000, Math.ceil(dayCalls / 1440));
}

async function latencyAt(server: BenchRedis, dayCalls: number, calls: number) {
  const prefix = benchPrefix('choice');
  const redis = createRedis({ url: server.url, cluster: false }, `${prefix}:bench`);
  const pool = new Pool({ redis, prefix });
  const instances = tenInstances();
  const busiest = instances[0]!;
  const candidates = orderCandidates(instances, busiest);
  await fillDayWindow(server, prefix, busiest, dayCalls);
  const histogram = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 10_000_000,
    numberOfSignificantValueDigits: 3,
  });
  for (let i = 0; i < 500; i++) await pool.choose(candidates, 200); // warm up EVALSHA and the JIT
  for (let i = 0; i < calls; i++) {
    const start = process.hrtime.bigint();
    const choice = await pool.choose(candidates, 200);
    histogram.recordValue(Number(process.hrtime.bigint() - start) / 1000); // µs
    if (choice.kind !== 'reserved' || choice.instance.id !== busiest.id) {
      throw new Error('bench: expected a reservation on the busiest instance');
    }
  }
  const [state] = await pool.snapshot([busiest]);
  const memoryBytes = await instanceMemory(server, prefix, busiest);
  await redis.quit();
  const ms = (us: number) => Math.round(us) / 1000;
  return {
    dayWindowCalls: state!.windows.day.requests.used,
    p50Ms: ms(histogram.getValueAtPercentile(50)),
    p99Ms: ms(histogram.getValueAtPercentile(99)),
    maxMs: ms(histogram.maxValue),
    memoryPerInstanceKB: Math.round(memoryBytes / 102.4) / 10,
  };
}

/** MEMORY USAGE of every key the pool keeps for one instance. */
async function instanceMemory(server: BenchRedis, prefix: string, instance: Instance): Promise<number> {
  const keys = await server.admin.keys(`${hashTaggedPrefix(prefix)}:pool:*${instance.id}`);
  let bytes = 0;
  for (const key of keys) bytes += Number((await server.admin.memory('USAGE', key, 'SAMPLES', '0')) ?? 0);
  return bytes;
}

/**
 * Choices kept 200 deep (a busy worker's batches) with a settlement of a slow answer for each
 * (batched as a worker's are), for `seconds`; the busiest instance's day window holds a million
 * calls. SLOWLOG records every command: the script calls are its EVALSHA/EVAL entries.
 */
async function sustainedRun(server: BenchRedis, seconds: number) {
  const prefix = benchPrefix('sustained');
  const redis = createRedis({ url: server.url, cluster: false }, `${prefix}:bench`);
  const pool = new Pool({ redis, prefix, clock: () => Date.now() + 60_000 }); // every answer "slow": settled
  const instances = tenInstances();
  await fillDayWindow(server, prefix, instances[0]!, 1_000_000);
  const candidates = orderCandidates(instances, instances[0]!);
  await server.admin.config('SET', 'slowlog-log-slower-than', '0');
  await server.admin.config('SET', 'slowlog-max-len', '1000000');
  await server.admin.slowlog('RESET');
  const until = Date.now() + seconds * 1000;
  let choices = 0;
  const lane = async () => {
    while (Date.now() < until) {
      const choice = await pool.choose(candidates, 200);
      choices++;
      if (choice.kind === 'reserved') await pool.settleAnswered(choice, 180);
    }
  };
  await Promise.all(Array.from({ length: 200 }, lane));
  const entries = (await server.admin.slowlog('GET', '-1')) as Array<[number, number, number, string[]]>;
  const scripts = entries
    .filter(([, , , args]) => /^eval/i.test(String(args[0])))
    .map(([, , us]) => Number(us))
    .sort((a, b) => a - b);
  const at = (q: number) =>
    Math.round(scripts[Math.min(scripts.length - 1, Math.floor(scripts.length * q))]! / 10) / 100;
  await redis.quit();
  return {
    seconds,
    perCall: MAX_CHOICES_PER_CALL,
    choices,
    scriptCalls: scripts.length,
    scriptP50Ms: at(0.5),
    scriptP99Ms: at(0.99),
    longestScriptMs: at(1),
  };
}
