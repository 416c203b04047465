import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { redisUrl } from '../support/redis.js';
import { trackChild } from '../support/tracked.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * README.md, every command of "Try it" and the local providers recipe, run as written on a
 * throwaway setup by scripts/readme-walk.ts (the script a person can run too): each answer must be
 * what the README says it is.
 */
describe('README.md', () => {
  it('does what it says, command by command', async () => {
    const child = trackChild(
      spawn(process.execPath, ['--import', 'tsx', 'scripts/readme-walk.ts'], {
        cwd: root,
        env: { ...process.env, REDIS_URL: redisUrl() },
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
    let output = '';
    child.stdout!.on('data', (d) => {
      output += d;
    });
    child.stderr!.on('data', (d) => {
      output += d;
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(output).toContain('every step did what README.md says');
    expect(code, output).toBe(0);
  }, 300_000);
});
