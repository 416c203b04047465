/**
 * `npm start`: API + worker (and, with no PROVIDERS_FILE, the built-in simulated provider) in one
 * process tree. Each runs as its own child process, exactly as `npm run api`, `npm run worker` and
 * `npm run simulator` would; this script only checks the ground and supervises them.
 *
 * The children run in process groups of their own, so that a signal reaches each exactly once,
 * from here: SIGINT or SIGTERM to this process (a terminal's Ctrl-C, or `kill` of the npm process)
 * stops them all, gracefully first and by SIGKILL after STOP_GRACE_MS.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { ConfigError, loadConfig } from '@spillway/core';
import { ensureRedis } from './ensure-redis.js';

const STOP_GRACE_MS = 5_000;
const READY_POLL_MS = 200;

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

const services: ChildProcess[] = [];
let redisServer: ChildProcess | undefined;
let shuttingDown = false;

const exitOf = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise<void>((resolve) => child.once('exit', () => resolve()));

/** Stops the services, then the Redis they were using (if this script started it), then exits. */
async function stop(code: number): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  const running = [...services, ...(redisServer ? [redisServer] : [])];
  const force = setTimeout(() => {
    for (const child of running) if (child.exitCode === null) child.kill('SIGKILL');
  }, STOP_GRACE_MS);
  for (const child of services) if (child.exitCode === null) child.kill('SIGTERM');
  await Promise.all(services.map(exitOf));
  if (redisServer?.exitCode === null) redisServer.kill('SIGTERM');
  if (redisServer) await exitOf(redisServer);
  clearTimeout(force);
  process.exit(code);
}
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));
// SIGHUP reloads the providers file: API and worker each take it (the simulator does not).
let simulator: ChildProcess | undefined;
process.on('SIGHUP', () => {
  for (const child of services) if (child.exitCode === null && child !== simulator) child.kill('SIGHUP');
});

try {
  const redis = await ensureRedis(
    config.redis.url,
    process.env.REDIS_URL !== undefined && process.env.REDIS_URL !== '',
  );
  redisServer = redis.server;
  say(redis.message);
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
}

function service(entry: string, env: NodeJS.ProcessEnv = {}): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', entry], {
    stdio: 'inherit',
    env: { ...process.env, ...env },
    detached: true,
  });
  services.push(child);
  child.on('exit', (code, signal) => {
    if (shuttingDown) return;
    say(`${entry} exited (${signal ?? code}); stopping the rest`);
    void stop(code ?? 1);
  });
  return child;
}

if (!config.providersFile) {
  const url = new URL(config.simulatorUrl);
  say(`No PROVIDERS_FILE: serving from the built-in simulated provider at ${config.simulatorUrl}`);
  simulator = service('packages/simulator/src/main.ts', {
    SIMULATOR_HOST: url.hostname,
    SIMULATOR_PORT: url.port || '80',
  });
}
service('apps/worker/src/main.ts');
service('apps/api/src/main.ts');

/** The banner invites a curl: say it only once the API answers /readyz, and never if startup fails. */
const origin = `http://${config.http.host}:${config.http.port}`;
while (!shuttingDown) {
  const ready = await fetch(`${origin}/readyz`, { signal: AbortSignal.timeout(2_000) }).then(
    (response) => response.ok,
    () => false,
  );
  if (ready) {
    if (!shuttingDown) say(`API on ${origin} — try the curl example in README.md`);
    break;
  }
  await new Promise((resolve) => setTimeout(resolve, READY_POLL_MS));
}
