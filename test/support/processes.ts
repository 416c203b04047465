import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { trackChild } from './tracked.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Runs a TypeScript entry as a child process (tracked by the leak guard) and waits for "ready". */
export async function spawnReady(
  entry: string,
  env: Record<string, string>,
  timeoutMs = 20_000,
): Promise<ChildProcess> {
  const child = trackChild(
    spawn(process.execPath, ['--import', 'tsx', '--conditions=source', entry], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${entry} not ready in ${timeoutMs} ms:\n${output}`)),
      timeoutMs,
    );
    child.stderr!.on('data', (d) => {
      output += d;
    });
    child.stdout!.on('data', (d) => {
      output += d;
      if (output.includes('ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${entry} exited with ${code} before it was ready:\n${output}`));
    });
  });
  return child;
}

/** SIGTERM, then wait for the exit (SIGKILL if it takes too long). */
export async function stopProcess(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
