/**
 * Walks README.md as a new user would, on a throwaway setup: `npm start` (spare ports, a queue prefix
 * of its own, the Redis of REDIS_URL or 127.0.0.1:6379), every `curl` and `npx spillway` command of
 * "Try it" exactly as written (only the port, the ids it names `<id>`… and the dev key filled in),
 * each answer checked against what the README says it is (`# → 202 {"status":"queued",…}`); then
 * the "Point it at real providers" recipe: the simulator serving m-a and m-b, and `npm start` with
 * examples/providers.local.json. Exits 0 when every step did what the README says.
 *
 *   node --import tsx scripts/readme-walk.ts
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';

const root = fileURLToPath(new URL('..', import.meta.url));
const README = readFileSync(join(root, 'README.md'), 'utf8');
const README_ORIGIN = 'http://127.0.0.1:3000';
const prefix = `readme-${randomBytes(4).toString('hex')}`;
const running: ChildProcess[] = [];
const failures: string[] = [];

const say = (line: string) => process.stdout.write(`readme-walk: ${line}\n`);
const check = (ok: boolean, what: string) => {
  say(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures.push(what);
};

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** Runs an npm script as the README does, resolving once `ready` matches its output. */
async function npm(script: string[], env: Record<string, string>, ready: RegExp) {
  const child = spawn('npm', script, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(child);
  let output = '';
  const seen = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`npm ${script.join(' ')}: no ${ready} in 90 s:\n${output}`)),
      90_000,
    );
    const onData = (d: Buffer) => {
      output += d;
      if (ready.test(output)) {
        clearTimeout(timer);
        resolve(output);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`npm ${script.join(' ')} exited (${code}):\n${output}`)));
  });
  await seen;
  return { child, output: () => output };
}

async function stop(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  const code = await exited;
  clearTimeout(timer);
  return code;
}

function sh(command: string, env: Record<string, string>): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(
      'sh',
      ['-c', command],
      { cwd: root, env: { ...process.env, ...env }, maxBuffer: 1 << 24 },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` }),
    );
  });
}

/** The shell blocks of one README section, each as its commands (continuation lines joined) and the comment after each. */
function commandsOf(section: string): Array<{ command: string; says: string }> {
  const start = README.indexOf(`## ${section}`);
  const end = README.indexOf('\n## ', start + 3);
  const text = README.slice(start, end);
  const steps: Array<{ command: string; says: string }> = [];
  for (const block of text.matchAll(/```sh\n([\s\S]*?)```/g)) {
    const lines = block[1]!.replace(/\\\n\s*/g, '').split('\n');
    for (const line of lines) {
      if (line.startsWith('#')) {
        const last = steps[steps.length - 1];
        if (last) last.says += `${line}\n`;
      } else if (line.trim() !== '') {
        steps.push({ command: line.trim(), says: '' });
      }
    }
  }
  return steps;
}

/** `"status":"queued"`-style pairs the README promises in a `# →` comment (placeholders `…` left out). */
function promised(says: string): Array<[string, string]> {
  const arrow = says.split('\n').find((line) => line.startsWith('# →')) ?? '';
  return [...arrow.matchAll(/"(\w+)":"([^"…]+)"/g)].map((m) => [m[1]!, m[2]!]);
}

/** Every value of `field` anywhere in an answer (the README shows nested ones: `"result":{"items":[{"start":…`). */
function valuesOf(value: unknown, field: string): string[] {
  if (Array.isArray(value)) return value.flatMap((item) => valuesOf(item, field));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, child]) =>
    key === field && (typeof child !== 'object' || child === null) ? [String(child)] : valuesOf(child, field),
  );
}

function parse(out: string): Record<string, unknown> | null {
  try {
    return JSON.parse(out) as Record<string, unknown>;
  } catch {
    return null;
  }
}

async function tryIt(): Promise<void> {
  const [port, simulatorPort] = [await freePort(), await freePort()];
  const origin = `http://127.0.0.1:${port}`;
  const start = await npm(
    ['start'],
    {
      PORT: String(port),
      SIMULATOR_URL: `http://127.0.0.1:${simulatorPort}/v1`,
      QUEUE_PREFIX: prefix,
      LOG_LEVEL: 'warn',
    },
    /API on http:\/\/\S+ — try the curl example/,
  );
  const key = /export SPILLWAY_API_KEY=(\S+)/.exec(start.output())?.[1];
  check(key !== undefined, 'npm start prints the dev key as an export line');
  check(
    /Spillway dev mode \(no API_KEYS\): use this API key/.test(start.output()),
    'npm start says it is in dev mode',
  );
  const env = { SPILLWAY_API_KEY: key ?? '', SPILLWAY_URL: origin };
  const ids: Record<string, string> = {};
  const work = mkdtempSync(join(tmpdir(), 'readme-walk-'));
  writeFileSync(
    join(root, 'days.jsonl'),
    `${JSON.stringify({ customId: 'mon', description: 'Write the report, gym at noon' })}\n${JSON.stringify({ customId: 'tue', description: 'Dentist at 15:00, answer email' })}\n`,
  );
  try {
    for (const { command, says } of commandsOf('Try it')) {
      if (command === 'npm ci' || command === 'npm start') continue;
      const filled = command
        .replaceAll(README_ORIGIN, origin)
        .replaceAll('<id>', ids.last ?? '')
        .replaceAll('<plan id>', ids.plan ?? '')
        .replaceAll('<coaching jobId>', ids.coaching ?? '');
      const { code, out } = await sh(filled, env);
      const answer = parse(out);
      if (command.startsWith('npx spillway')) {
        check(code === 0, `${command} → exit 0${code === 0 ? '' : `: ${out.slice(0, 300)}`}`);
        continue;
      }
      check(answer !== null, `${command.slice(0, 90)} → JSON`);
      if (!answer) continue;
      for (const [field, value] of promised(says)) {
        const found = valuesOf(answer, field);
        check(
          found.includes(value),
          `  "${field}": "${value}" (got ${found.map((v) => `"${v}"`).join(', ') || 'none'})`,
        );
      }
      if (typeof answer.id === 'string' && command.includes('-X POST')) {
        ids.last = answer.id;
        if (answer.kind === 'plan') ids.plan ??= answer.id;
      }
      const coaching = answer.coaching as { jobId?: string } | undefined;
      if (coaching?.jobId) ids.coaching = coaching.jobId;
    }
    const plan = parse(
      (
        await sh(
          `curl -s ${origin}/v1/jobs/${ids.plan}?wait=10 -H "Authorization: Bearer $SPILLWAY_API_KEY"`,
          env,
        )
      ).out,
    );
    const items = ((plan?.result as { items?: Array<{ start: string; task: string }> })?.items ?? []).map(
      (i) => `${i.start} ${i.task}`,
    );
    check(
      items.includes('12:00 Gym at noon'),
      `the simulated plan keeps "gym at noon" at 12:00 (${items.join('; ')})`,
    );
    const docs = await fetch(`${origin}/docs`);
    check(
      docs.status === 200 && (await docs.text()).includes('/docs/static/'),
      '/docs serves the reference from this server',
    );
    const document = (await (await fetch(`${origin}/docs/openapi.json`)).json()) as {
      paths: Record<string, unknown>;
    };
    check('/v1/plans' in document.paths, '/docs/openapi.json documents POST /v1/plans');
    const pool = await fetch(`${origin}/v1/pool`, { headers: { authorization: `Bearer ${key}` } });
    check(pool.status === 200, 'GET /v1/pool answers');
    for (const page of ['/admin/pool', '/admin/queues']) {
      const answer = await fetch(`${origin}${page}`, {
        headers: { authorization: `Basic ${Buffer.from(`admin:${key}`).toString('base64')}` },
      });
      check(
        answer.status === 200 && (answer.headers.get('set-cookie') ?? '').includes('HttpOnly'),
        `${page} opens with the dev key and a session`,
      );
      await answer.body?.cancel();
    }
  } finally {
    rmSync(join(root, 'days.jsonl'), { force: true });
    rmSync(join(root, 'results.jsonl'), { force: true });
    rmSync(work, { recursive: true, force: true });
  }
  check((await stop(start.child)) === 0, 'SIGTERM to npm start stops it (exit 0)');
}

async function localProviders(): Promise<void> {
  const [port, simulatorPort] = [await freePort(), await freePort()];
  const steps = commandsOf('Point it at real providers').filter((s) =>
    /npm (run simulator|start)/.test(s.command),
  );
  check(
    steps.length === 2,
    'the README gives the simulator and npm start commands for examples/providers.local.json',
  );
  const models = /SIMULATOR_MODELS='([^']+)'/.exec(steps[0]?.command ?? '')?.[1] ?? '{}';
  const file = join(mkdtempSync(join(tmpdir(), 'readme-walk-')), 'providers.json');
  writeFileSync(
    file,
    readFileSync(join(root, 'examples/providers.local.json'), 'utf8').replace(
      '127.0.0.1:9100',
      `127.0.0.1:${simulatorPort}`,
    ),
  );
  const simulator = await npm(
    ['run', 'simulator'],
    { SIMULATOR_MODELS: models, SIMULATOR_PORT: String(simulatorPort) },
    /"url"/,
  );
  const start = await npm(
    ['start'],
    { PROVIDERS_FILE: file, PORT: String(port), QUEUE_PREFIX: `${prefix}-local`, LOG_LEVEL: 'warn' },
    /API on http:\/\/\S+/,
  );
  const key = /export SPILLWAY_API_KEY=(\S+)/.exec(start.output())?.[1] ?? '';
  const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
  const origin = `http://127.0.0.1:${port}`;
  for (const model of ['m-a', 'm-b']) {
    const accepted = (await (
      await fetch(`${origin}/v1/plans`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ description: 'Write the report, gym at noon', model }),
      })
    ).json()) as { id: string };
    const done = (await (await fetch(`${origin}/v1/jobs/${accepted.id}?wait=20`, { headers })).json()) as {
      status: string;
      attempts: Array<{ instance: string }>;
    };
    check(
      done.status === 'completed' && done.attempts.at(-1)?.instance === `local/${model}`,
      `a plan on ${model} completes on local/${model} (${done.status})`,
    );
  }
  check((await stop(start.child)) === 0, 'npm start with the local providers file stops on SIGTERM');
  await stop(simulator.child);
}

try {
  await tryIt();
  await localProviders();
} catch (err) {
  failures.push((err as Error).message);
  say(`FAIL ${(err as Error).message}`);
} finally {
  for (const child of running) if (child.exitCode === null) child.kill('SIGKILL');
  await removeKeys();
}

/** Leaves the Redis as it found it: every key of the walk's two prefixes goes. */
async function removeKeys(): Promise<void> {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
  redis.on('error', () => {});
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `*${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
  } catch (err) {
    say(`could not remove the walk's keys (${(err as Error).message})`);
  } finally {
    redis.disconnect();
  }
}
say(
  failures.length === 0
    ? 'every step did what README.md says'
    : `${failures.length} step(s) did not:\n- ${failures.join('\n- ')}`,
);
process.exit(failures.length === 0 ? 0 : 1);
