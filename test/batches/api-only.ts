import { buildApi, createAuthenticator } from '@spillway/api';
import {
  closeRedis,
  createLogger,
  hashTaggedPrefix,
  JOBS_QUEUE,
  type JobData,
  type JobResult,
  loadProviders,
  type RedisClient,
  Secret,
} from '@spillway/core';
import { Queue } from 'bullmq';
import { testRedis } from '../support/redis.js';
import { uniquePrefix } from '../support/tracked.js';

export const ACME_KEY = 'sk-test-acme-0123456789abcdef';
export const GLOBEX_KEY = 'sk-test-globex-0123456789abcdef';

/** The API alone over a real Redis, no worker: accepted jobs stay queued where a test can inspect them. */
export interface ApiOnly {
  url: string;
  prefix: string;
  /** The jobs queue, as the API writes it. */
  queue: Queue<JobData, JobResult>;
  redis: RedisClient;
  /** Lines of the API's log (pino JSON). */
  logs: string[];
  request(
    method: string,
    path: string,
    body?: unknown,
    options?: { key?: string; contentType?: string; raw?: boolean },
  ): Promise<Response>;
  close(): Promise<void>;
}

export interface ApiOnlyOptions {
  /** Per tenant, its cap on unfinished jobs (API_KEYS' third field). */
  unfinishedCaps?: Record<string, number>;
}

export async function startApiOnly(options: ApiOnlyOptions = {}): Promise<ApiOnly> {
  const prefix = uniquePrefix('batch');
  const { instances, defaults } = loadProviders({
    fileText: JSON.stringify({ providers: [{ id: 'sim-a', type: 'simulated', models: ['sim-small'] }] }),
    env: {},
    simulatorUrl: 'http://127.0.0.1:1/v1',
  });
  const logs: string[] = [];
  const redis = testRedis(prefix, 'api');
  const app = await buildApi({
    redis,
    prefix,
    instances,
    coachingDefaults: defaults.coaching,
    authenticator: createAuthenticator([
      { tenant: 'acme', key: new Secret(ACME_KEY) },
      { tenant: 'globex', key: new Secret(GLOBEX_KEY) },
    ]),
    logger: createLogger({ level: 'info', destination: { write: (line: string) => logs.push(line) } }),
    unfinishedCaps: new Map(Object.entries(options.unfinishedCaps ?? {})),
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const queueRedis = testRedis(prefix, 'inspect');
  const queue = new Queue<JobData, JobResult>(JOBS_QUEUE, {
    connection: queueRedis,
    prefix: hashTaggedPrefix(prefix),
  });
  return {
    url,
    prefix,
    queue,
    redis: queueRedis,
    logs,
    request(method, path, body, options = {}) {
      const headers: Record<string, string> = { authorization: `Bearer ${options.key ?? ACME_KEY}` };
      if (body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
      return fetch(`${url}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : options.raw ? String(body) : JSON.stringify(body),
      });
    },
    async close() {
      await app.close();
      await queue.close();
      await closeRedis(queueRedis);
      await closeRedis(redis);
    },
  };
}

/** Jobs in the queue, in any state. */
export async function jobCount(api: ApiOnly): Promise<number> {
  const counts = await api.queue.getJobCounts();
  return Object.values(counts).reduce((sum, n) => sum + n, 0);
}

export function planItems(count: number, prefix = 'item'): Array<{ customId: string; description: string }> {
  return Array.from({ length: count }, (_, i) => ({
    customId: `${prefix}-${i}`,
    description: `Day ${i}: write the report, gym at noon, call the bank`,
  }));
}

export function toNdjson(items: readonly unknown[]): string {
  return `${items.map((item) => JSON.stringify(item)).join('\n')}\n`;
}

export async function ndjsonLines<T = Record<string, unknown>>(response: Response): Promise<T[]> {
  const text = await response.text();
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as T);
}
