import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../support/private-redis.js';
import { redisUrl } from '../support/redis.js';
import { trackChild, uniquePrefix } from '../support/tracked.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const BANNER = /API on (http:\/\/\S+)/;

/** Every process whose parent chain leads to `pid` (read from /proc, so nothing is missed). */
function descendantsOf(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name is in parentheses and may hold spaces: the fields after it are fixed.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parentOf.set(Number(entry), Number(fields[1]));
    } catch {
      // The process ended while we looked.
    }
  }
  const found: number[] = [];
  const frontier = [pid];
  while (frontier.length > 0) {
    const parent = frontier.pop()!;
    for (const [child, itsParent] of parentOf) {
      if (itsParent === parent) {
        found.push(child);
        frontier.push(child);
      }
    }
  }
  return found;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return false;
  }
};

async function until(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return check();
}

describe('npm start', () => {
  let start: ChildProcess | undefined;
  let stragglers: number[] = [];
  afterEach(() => {
    for (const pid of stragglers) if (alive(pid)) process.kill(pid, 'SIGKILL');
    if (start?.exitCode === null) start.kill('SIGKILL');
  });

  /** `npm start` as a user runs it, on spare ports and a prefix of its own; resolves at the banner. */
  async function npmStart(): Promise<{ url: string; output: () => string; readyBeforeBanner: boolean }> {
    const [port, simulatorPort] = [await freePort(), await freePort()];
    start = trackChild(
      spawn('npm', ['start'], {
        cwd: root,
        env: {
          ...process.env,
          REDIS_URL: redisUrl(),
          QUEUE_PREFIX: uniquePrefix('npm-start'),
          PORT: String(port),
          SIMULATOR_URL: `http://127.0.0.1:${simulatorPort}/v1`,
          LOG_LEVEL: 'warn',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
    let output = '';
    start.stderr!.on('data', (d) => {
      output += d;
    });
    const banner = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no banner in 60 s:\n${output}`)), 60_000);
      start!.stdout!.on('data', (d) => {
        output += d;
        const match = BANNER.exec(output);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      });
      start!.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`npm start exited (${code}) before its banner:\n${output}`));
      });
    });
    // Asked at once: the banner must come only once the API answers.
    const ready = await fetch(`${banner}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    );
    return { url: banner, output: () => output, readyBeforeBanner: ready };
  }

  it.each([
    'SIGTERM',
    'SIGINT',
  ] as const)('prints the banner only once /readyz answers, and %s to the npm process stops every child within seconds', async (signal) => {
    const started = await npmStart();
    expect(started.readyBeforeBanner, started.output()).toBe(true);
    const tree = descendantsOf(start!.pid!);
    stragglers = tree;
    // npm, the script's node, the API, the worker and the simulator at least.
    expect(tree.length).toBeGreaterThanOrEqual(3);
    const exited = new Promise<number | null>((resolve) => start!.once('exit', (code) => resolve(code)));
    start!.kill(signal);
    const allGone = await until(() => tree.every((pid) => !alive(pid)), 6_000);
    expect(allGone, `still running: ${tree.filter(alive).join(', ')}\n${started.output()}`).toBe(true);
    expect(await exited).toBe(0);
  }, 90_000);
});
