import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';

/**
 * What the current test created that the leak guard must check afterwards: the unique prefixes
 * (every connection and key of the test carries one) and child processes.
 */
const prefixes: string[] = [];
const children: ChildProcess[] = [];

/** A prefix unique to this test; use it as QUEUE_PREFIX and in connection names. */
export function uniquePrefix(label = 't'): string {
  const prefix = `${label}-${randomBytes(5).toString('hex')}`;
  prefixes.push(prefix);
  return prefix;
}

export function trackChild(child: ChildProcess): ChildProcess {
  children.push(child);
  return child;
}

/** Called by the leak guard after each test: hands over the prefixes and kills forgotten children. */
export async function drainTracked(): Promise<{ prefixes: string[]; leftOpen: string[] }> {
  const leftOpen: string[] = [];
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      leftOpen.push(`child process ${child.pid} (${child.spawnfile})`);
      child.kill('SIGKILL');
    }
  }
  return { prefixes: prefixes.splice(0), leftOpen };
}
