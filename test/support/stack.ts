import { buildApi, connectApiRedis, createAuthenticator } from '@spillway/api';
import {
  closeRedis,
  createAdapters,
  createLogger,
  loadProviders,
  type ProviderSetup,
  Secret,
} from '@spillway/core';
import { createSimulator, type SimModelConfig, type Simulator } from '@spillway/simulator';
import { type RunningWorker, startWorker } from '@spillway/worker';
import { redisUrl } from './redis.js';
import { uniquePrefix } from './tracked.js';

export interface Stack {
  url: string;
  apiKey: string;
  prefix: string;
  sim: Simulator;
  providers: ProviderSetup;
  worker: RunningWorker;
  /** Authorized JSON request against the API. */
  request(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Response>;
  /** Polls a job until it reaches a terminal status (long-poll once the API has it). */
  waitForJob(id: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

export interface StackOptions {
  models?: Record<string, SimModelConfig>;
  /** Providers file content; `{{sim}}` is replaced by the simulator's URL. */
  providers?: unknown;
  concurrency?: number;
  latencyMs?: number;
  maxHops?: number;
  /** WEBHOOK_SECRET for the worker; a fixed test secret when omitted. */
  webhookSecret?: string;
  /** WEBHOOK_ALLOW_PRIVATE for API and worker: loopback receivers need it. Off by default, as in production. */
  webhookAllowPrivate?: boolean;
  webhookRetryScheduleMs?: readonly number[];
  /** The environment the providers file reads (`apiKey: "env:NAME"`). */
  env?: Record<string, string>;
  /** The default tenant's bearer key. */
  apiKey?: string;
  /** More tenants and their bearer keys, besides `acme` with `apiKey`. */
  tenants?: Array<{ tenant: string; key: string }>;
  /** Receives every log line of API and worker (pino JSON) instead of TEST_LOG_LEVEL's stdout. */
  logStream?: { write(line: string): void };
  logLevel?: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'silent';
  /** Per tenant, its cap on unfinished jobs (API_KEYS' third field). */
  unfinishedCaps?: Record<string, number>;
  /** Whole-call limit of each provider call (5 s by default); hang tests shorten it. */
  adapterTimeoutMs?: number;
  /** The pool's "minute" (see PoolDeps.minuteWindow): waiting tests shorten it. */
  minuteWindow?: { ms: number; guardMs: number };
  /** The lease and recheck of capped instances' slots (see PoolDeps.slots). */
  slots?: { leaseMs?: number; recheckMs?: number };
}

export const TEST_WEBHOOK_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

/**
 * The whole system on loopback: simulator, worker and API over real HTTP and a real Redis,
 * isolated by a unique prefix. Everything it opens, `close()` closes.
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const prefix = uniquePrefix('stack');
  const sim = await createSimulator({
    models: options.models ?? { 'sim-small': { dialect: 'groq', rpm: 1000 } },
    latencyMs: options.latencyMs ?? 5,
  });
  const file = options.providers ?? {
    providers: [
      { id: 'sim-a', type: 'simulated', models: Object.keys(options.models ?? { 'sim-small': {} }) },
    ],
  };
  const providers = loadProviders({
    fileText: JSON.stringify(file).replaceAll('{{sim}}', sim.url),
    env: options.env ?? {},
    simulatorUrl: sim.url,
  });
  const logger = createLogger({
    level: options.logLevel ?? (process.env.TEST_LOG_LEVEL as 'silent') ?? 'silent',
    destination: options.logStream,
  });
  const target = { url: redisUrl(), cluster: false };
  const worker = await startWorker({
    redis: target,
    prefix,
    concurrency: options.concurrency ?? 10,
    instances: providers.instances,
    adapterFor: createAdapters({ timeoutMs: options.adapterTimeoutMs ?? 5000 }),
    logger,
    maxHops: options.maxHops,
    minuteWindow: options.minuteWindow,
    slots: options.slots,
    webhooks: {
      secret: new Secret(options.webhookSecret ?? TEST_WEBHOOK_SECRET),
      allowPrivate: options.webhookAllowPrivate ?? false,
      retryScheduleMs: options.webhookRetryScheduleMs,
    },
  });
  const apiKey = options.apiKey ?? 'sk-test-0123456789abcdef';
  const redis = await connectApiRedis(target, `${prefix}:api`);
  const app = await buildApi({
    redis,
    prefix,
    instances: providers.instances,
    coachingDefaults: providers.defaults.coaching,
    authenticator: createAuthenticator([
      { tenant: 'acme', key: new Secret(apiKey) },
      ...(options.tenants ?? []).map(({ tenant, key }) => ({ tenant, key: new Secret(key) })),
    ]),
    logger,
    webhookAllowPrivate: options.webhookAllowPrivate ?? false,
    unfinishedCaps: new Map(Object.entries(options.unfinishedCaps ?? {})),
  });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });

  const request = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    fetch(`${address}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${apiKey}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  return {
    url: address,
    apiKey,
    prefix,
    sim,
    providers,
    worker,
    request,
    async waitForJob(id, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const view = (await (await request('GET', `/v1/jobs/${id}`)).json()) as Record<string, unknown>;
        if (['completed', 'failed', 'cancelled'].includes(String(view.status))) return view;
        if (Date.now() > deadline) throw new Error(`job ${id} still ${view.status}: ${JSON.stringify(view)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async close() {
      await app.close();
      await worker.close();
      await closeRedis(redis);
      await sim.close();
    },
  };
}
