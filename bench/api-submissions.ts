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

/** POST /v1/plans under load: the real API vs a bare Fastify route doing only queue.add. */
export async function benchApiSubmissions(seconds = 10, connections = 50) {
  const out: Record<string, Awaited<ReturnType<typeof load>>> = {};
  for (const mode of ['bare', 'spillway'] as const) {
    const prefix = benchPrefix(`api-${mode}`);
    const server = await startServer(mode, prefix);
    await load(server.url, 2, connections); // warm-up
    out[mode] = await load(server.url, seconds, connections);
    await server.stop();
    await removeKeys(REDIS_URL, prefix);
  }
  return {
    seconds,
    connections,
    spillway: out.spillway!,
    bareQueueAdd: out.bare!,
    ratio: Math.round((out.spillway!.requestsPerSecond / out.bare!.requestsPerSecond) * 100) / 100,
    p99Ratio: Math.round((out.spillway!.p99Ms / Math.max(1, out.bare!.p99Ms)) * 100) / 100,
  };
}
