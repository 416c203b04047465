import { spawn } from 'node:child_process';
import autocannon from 'autocannon';
import { inRounds, ratioOf } from './queue-runs.js';
import { benchPrefix, median, REDIS_URL, removeKeys } from './support.js';

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

type Load = Awaited<ReturnType<typeof load>>;

/**
 * POST /v1/plans under load: the real API vs a bare Fastify route doing only queue.add. Both
 * servers run side by side (an idle one costs nothing) and take turns, `rounds` times, in
 * alternating order: this 2-core VM drifts by ±30 % over seconds, which hits one round's two runs
 * alike, so a ratio is the median of the rounds' own ratios (bench/queue-runs.ts, as the
 * throughput benches do).
 */
export async function benchApiSubmissions(seconds = 5, connections = 50, rounds = 5) {
  const prefixes = { bare: benchPrefix('api-bare'), spillway: benchPrefix('api-spillway') };
  const servers = {
    bare: await startServer('bare', prefixes.bare),
    spillway: await startServer('spillway', prefixes.spillway),
  };
  let runs: Record<'bare' | 'spillway', Load[]>;
  try {
    for (const server of Object.values(servers)) await load(server.url, 2, connections); // warm-up
    runs = await inRounds(
      rounds,
      {
        bare: () => load(servers.bare.url, seconds, connections),
        spillway: () => load(servers.spillway.url, seconds, connections),
      },
      true,
    );
  } finally {
    for (const mode of ['bare', 'spillway'] as const) {
      await servers[mode].stop();
      await removeKeys(REDIS_URL, prefixes[mode]);
    }
  }
  const summary = (xs: Load[]) => ({
    requestsPerSecond: median(xs.map((x) => x.requestsPerSecond)),
    p50Ms: median(xs.map((x) => x.p50Ms)),
    p99Ms: median(xs.map((x) => x.p99Ms)),
    non2xx: xs.reduce((n, x) => n + x.non2xx, 0),
    errors: xs.reduce((n, x) => n + x.errors, 0),
  });
  const rate = ratioOf(
    runs.spillway.map((x) => x.requestsPerSecond),
    runs.bare.map((x) => x.requestsPerSecond),
  );
  const p99 = ratioOf(
    runs.spillway.map((x) => x.p99Ms),
    runs.bare.map((x) => Math.max(1, x.p99Ms)),
  );
  return {
    seconds,
    connections,
    rounds,
    spillway: summary(runs.spillway),
    bareQueueAdd: summary(runs.bare),
    ratio: rate.ratio,
    p99Ratio: p99.ratio,
    roundRatios: rate.roundRatios,
    roundP99Ratios: p99.roundRatios,
  };
}
