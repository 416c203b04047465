import { spawn } from 'node:child_process';
import autocannon from 'autocannon';
import { benchPrefix, REDIS_URL, removeKeys } from './support.js';

const KEY = 'sk-bench-api-0123456789abcdef';

async function startServer(mode: 'spillway' | 'bare', prefix: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', 'bench/api-server.ts'], {
    env: { ...process.env, BENCH_MODE: mode, BENCH_PREFIX: prefix, BENCH_KEY: KEY, REDIS_URL },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const match = /ready (\S+)/.exec(out);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`bench api server exited ${code}`)));
  });
  return {
    url,
    stop: () =>
      new Promise((r) => {
        child.once('exit', r);
        child.kill('SIGTERM');
      }),
  };
}

async function load(url: string, seconds: number, connections: number) {
  const result = await autocannon({
    url: `${url}/v1/plans`,
    method: 'POST',
    connections,
    duration: seconds,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
    body: JSON.stringify({ description: 'Write the report, gym at noon, call the bank' }),
  });
  const ok = result['2xx'];
  return {
    requestsPerSecond: Math.round(ok / seconds),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round2 = (x: number) => Math.round(x * 100) / 100;

/**
 * POST /v1/plans under load: the real API vs a bare Fastify route doing only queue.add. Both
 * servers run side by side (an idle one costs nothing) and take turns, `rounds` times, in
 * alternating order: this 2-core VM drifts by ±30 % over seconds, which hits one round's two runs
 * alike, so a ratio is the median of the rounds' own ratios (as bench/throughput.ts does).
 */
export async function benchApiSubmissions(seconds = 5, connections = 50, rounds = 5) {
  const modes = ['bare', 'spillway'] as const;
  const prefixes = { bare: benchPrefix('api-bare'), spillway: benchPrefix('api-spillway') };
  const servers = {
    bare: await startServer('bare', prefixes.bare),
    spillway: await startServer('spillway', prefixes.spillway),
  };
  const runs: Record<(typeof modes)[number], Array<Awaited<ReturnType<typeof load>>>> = {
    bare: [],
    spillway: [],
  };
  try {
    for (const mode of modes) await load(servers[mode].url, 2, connections); // warm-up
    for (let r = 0; r < rounds; r++) {
      for (const mode of r % 2 === 0 ? modes : [...modes].reverse()) {
        runs[mode].push(await load(servers[mode].url, seconds, connections));
      }
    }
  } finally {
    for (const mode of modes) {
      await servers[mode].stop();
      await removeKeys(REDIS_URL, prefixes[mode]);
    }
  }
  const summary = (xs: Array<Awaited<ReturnType<typeof load>>>) => ({
    requestsPerSecond: median(xs.map((x) => x.requestsPerSecond)),
    p50Ms: median(xs.map((x) => x.p50Ms)),
    p99Ms: median(xs.map((x) => x.p99Ms)),
    non2xx: xs.reduce((n, x) => n + x.non2xx, 0),
    errors: xs.reduce((n, x) => n + x.errors, 0),
  });
  const roundRatios = runs.spillway.map((x, i) =>
    round2(x.requestsPerSecond / runs.bare[i]!.requestsPerSecond),
  );
  const roundP99Ratios = runs.spillway.map((x, i) => round2(x.p99Ms / Math.max(1, runs.bare[i]!.p99Ms)));
  return {
    seconds,
    connections,
    rounds,
    spillway: summary(runs.spillway),
    bareQueueAdd: summary(runs.bare),
    ratio: median(roundRatios),
    p99Ratio: median(roundP99Ratios),
    roundRatios,
    roundP99Ratios,
  };
}
