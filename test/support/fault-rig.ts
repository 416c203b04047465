import type { ChildProcess } from 'node:child_process';
import { createSimulator, type Latency, type SimModelConfig, type Simulator } from '@spillway/simulator';
import { type ApiServer, startApiServer } from './api-server.js';
import { spawnReady, stopProcess } from './processes.js';
import { redisUrl } from './redis.js';
import { TEST_WEBHOOK_SECRET } from './stack.js';
import { uniquePrefix } from './tracked.js';

export interface WorkerProcessOptions {
  concurrency?: number;
  stalled?: { lockDurationMs: number; stalledIntervalMs: number };
  minuteWindow?: { ms: number; guardMs: number };
  adapterTimeoutMs?: number;
  webhookRetryScheduleMs?: number[];
}

/**
 * A system to break: a simulator, the API in this process, and workers as separate processes (so a
 * test can SIGKILL or SIGTERM one), all on the shared Redis under one unique prefix. Webhooks are
 * signed with TEST_WEBHOOK_SECRET and may go to loopback receivers.
 */
export interface FaultRig {
  prefix: string;
  sim: Simulator;
  api: ApiServer;
  providers: unknown;
  startWorker(options?: WorkerProcessOptions): Promise<ChildProcess>;
  /** Submits a plan and returns its id (expects 202). */
  submit(body?: Record<string, unknown>): Promise<string>;
  /** Long-polls the job until it is terminal; returns its view. */
  finished(id: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

export async function startFaultRig(options: {
  models?: Record<string, SimModelConfig>;
  latencyMs?: Latency;
  minuteMs?: number;
  /** Providers file; `{{sim}}` is replaced by the simulator's URL. One instance per model by default. */
  providers?: unknown;
  label?: string;
}): Promise<FaultRig> {
  const models = options.models ?? { m: { dialect: 'groq' } };
  const sim = await createSimulator({
    models,
    latencyMs: options.latencyMs ?? 5,
    minuteMs: options.minuteMs,
  });
  const providers = JSON.parse(
    JSON.stringify(
      options.providers ?? {
        providers: [{ id: 'sim', type: 'simulated', baseUrl: '{{sim}}', models: Object.keys(models) }],
      },
    ).replaceAll('{{sim}}', sim.url),
  ) as unknown;
  const prefix = uniquePrefix(options.label ?? 'rig');
  const api = await startApiServer({
    redis: { url: redisUrl(), cluster: false },
    prefix,
    providers,
    simulatorUrl: sim.url,
    webhookAllowPrivate: true,
  });
  const workers: ChildProcess[] = [];

  return {
    prefix,
    sim,
    api,
    providers,
    async startWorker(worker = {}) {
      const child = await spawnReady('test/support/worker-process.ts', {
        SPILLWAY_TEST_WORKER: JSON.stringify({
          redisUrl: redisUrl(),
          prefix,
          providers,
          simulatorUrl: sim.url,
          concurrency: worker.concurrency ?? 4,
          stalled: worker.stalled,
          minuteWindow: worker.minuteWindow,
          adapterTimeoutMs: worker.adapterTimeoutMs,
          webhooks: {
            secret: TEST_WEBHOOK_SECRET,
            allowPrivate: true,
            retryScheduleMs: worker.webhookRetryScheduleMs ?? [0, 200, 400, 800, 1600],
            // A dead worker's owed webhooks are found within a second, not BullMQ-default half-minutes.
            owedSweepMs: 500,
          },
        }),
      });
      workers.push(child);
      return child;
    },
    async submit(body = {}) {
      const response = await api.request('POST', '/v1/plans', {
        description: 'Write the report, lunch, answer email, gym at six',
        ...body,
      });
      if (response.status !== 202) throw new Error(`submit: ${response.status} ${await response.text()}`);
      return ((await response.json()) as { id: string }).id;
    },
    async finished(id, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const view = (await (await api.request('GET', `/v1/jobs/${id}?wait=5`)).json()) as Record<
          string,
          unknown
        >;
        if (['completed', 'failed', 'cancelled'].includes(String(view.status))) return view;
        if (Date.now() > deadline) throw new Error(`job ${id} still ${view.status}: ${JSON.stringify(view)}`);
      }
    },
    async close() {
      await Promise.all(workers.map((w) => stopProcess(w)));
      await api.close();
      await sim.close();
    },
  };
}

/** Resolves with the exit code (or signal) once the child process has exited. */
export function exited(child: ChildProcess): Promise<number | NodeJS.Signals> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  if (child.signalCode !== null) return Promise.resolve(child.signalCode);
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal!)));
}
