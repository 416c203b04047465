/**
 * `npm start`: API + worker (and, with no PROVIDERS_FILE, the built-in simulated provider) in one
 * process tree. Each runs as its own child process, exactly as `npm run api`, `npm run worker` and
 * `npm run simulator` would; this script only checks the ground and supervises them.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { ConfigError, loadConfig } from '@spillway/core';
import { ensureRedis } from './ensure-redis.js';

const say = (line: string) => process.stdout.write(`[spillway] ${line}\n`);

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig(process.env);
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
  throw err;
}

try {
  say(
    await ensureRedis(config.redis.url, process.env.REDIS_URL !== undefined && process.env.REDIS_URL !== ''),
  );
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
}

const children: ChildProcess[] = [];
const tsx = (entry: string, env: NodeJS.ProcessEnv = {}) => {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', entry], {
    stdio: 'inherit',
    env: { ...process.env, ...env },
  });
  children.push(child);
  child.on('exit', (code, signal) => {
    if (shuttingDown) return;
    say(`${entry} exited (${signal ?? code}); stopping the rest`);
    stop(code ?? 1);
  });
  return child;
};

let shuttingDown = false;
function stop(code: number): void {
  if (shuttingDown) return;
  shuttingDown = true;
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  const force = setTimeout(() => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  }, 15_000);
  Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : null))).then(
    () => {
      clearTimeout(force);
      process.exit(code);
    },
  );
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
// SIGHUP reloads the providers file: API and worker each take it (the simulator ignores it).
process.on('SIGHUP', () => {
  for (const child of children) if (child.exitCode === null && child !== simulator) child.kill('SIGHUP');
});

let simulator: ChildProcess | undefined;
if (!config.providersFile) {
  const url = new URL(config.simulatorUrl);
  say(`No PROVIDERS_FILE: serving from the built-in simulated provider at ${config.simulatorUrl}`);
  simulator = tsx('packages/simulator/src/main.ts', {
    SIMULATOR_HOST: url.hostname,
    SIMULATOR_PORT: url.port || '80',
  });
}
tsx('apps/worker/src/main.ts');
tsx('apps/api/src/main.ts');
say(`API on http://${config.http.host}:${config.http.port} — try the curl example in README.md`);
