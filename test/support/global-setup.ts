import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { freePort, hasRedisServer, spawnRedisServer, untilAnswers } from './redis-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

interface SuiteRedis {
  url: string;
  /** One line for the person running the suite: which Redis this is. */
  said?: string;
  stop(): Promise<void>;
}

export const NO_REDIS_MESSAGE = `npm test needs a Redis, and found none to use. Either:
  - point REDIS_URL at one (the suite writes only under its own key prefixes, in the database the URL names):
      REDIS_URL=redis://127.0.0.1:6379/7 npm test
  - or install Docker (a throwaway redis:7-alpine container is used) or redis-server (a throwaway
    server on a free port is used), e.g.  sudo apt-get install -y redis-server   /   brew install redis`;

/**
 * Gives every test file one Redis URL: REDIS_URL when the caller set it (CI does), otherwise a
 * throwaway one: a testcontainers container where a container runtime answers, else a redis-server
 * from PATH on a free port in a temp folder. A throwaway Redis is stopped and removed at the end.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const redis = await suiteRedis();
  if (redis.said) console.log(redis.said);
  project.provide('redisUrl', redis.url);
  return () => redis.stop();
}

async function suiteRedis(): Promise<SuiteRedis> {
  const fromEnv = process.env.REDIS_URL;
  if (fromEnv) return { url: fromEnv, stop: async () => {} };
  const container = await fromContainer();
  if (container) return container;
  if (hasRedisServer()) return fromRedisServer();
  // Thrown, vitest would bury this under "No test files found" and a stack; said alone, it is the answer.
  process.stderr.write(`${NO_REDIS_MESSAGE}\n`);
  process.exit(1);
}

/** A container, or undefined when no container runtime answers (the common case without Docker). */
async function fromContainer(): Promise<SuiteRedis | undefined> {
  const { getContainerRuntimeClient } = await import('testcontainers');
  try {
    await getContainerRuntimeClient();
  } catch {
    return undefined;
  }
  const { RedisContainer } = await import('@testcontainers/redis');
  const container = await new RedisContainer('redis:7-alpine').start();
  const url = container.getConnectionUrl();
  return {
    url,
    said: `tests: REDIS_URL is not set; using a throwaway Redis container (redis:7-alpine) at ${url}`,
    stop: async () => {
      await container.stop();
    },
  };
}

async function fromRedisServer(): Promise<SuiteRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'spillway-test-suite-redis-'));
  const child = spawnRedisServer(port, dir, ['--appendonly', 'no']);
  const url = `redis://127.0.0.1:${port}`;
  // Should the run end without teardown (an exception in vitest itself), the server still goes.
  const killNow = () => killServer(child);
  process.once('exit', killNow);
  try {
    await untilAnswers(child, url);
  } catch (err) {
    killNow();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    url,
    said: `tests: REDIS_URL is not set and no container runtime answers; using a throwaway redis-server at ${url} (data in ${dir}, removed at the end)`,
    async stop() {
      process.off('exit', killNow);
      const exited = new Promise((r) => child.once('exit', r));
      if (killServer(child)) await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** SIGKILL unless it already exited; says whether a signal was sent. */
function killServer(child: ChildProcess): boolean {
  if (child.exitCode !== null || child.signalCode !== null) return false;
  child.kill('SIGKILL');
  return true;
}
