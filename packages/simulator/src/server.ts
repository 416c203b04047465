import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createChatHandler } from './chat.js';
import { ConcurrencySlots } from './concurrency.js';
import { invalidRequest, missingApiKey, routeNotFound } from './errors.js';
import { FaultInjector, type FaultPlan, FaultPlanSchema, type FaultRule } from './faults.js';
import { BodyTooLargeError, hasBearerToken, readBody, send } from './http-io.js';
import { Delays } from './latency.js';
import { CredentialLimiters, WINDOW_MS, type WindowName } from './limits.js';
import { jsonReply, textReply } from './reply.js';
import { StatsRecorder } from './stats.js';
import type { SimStats, SimulatorOptions } from './types.js';

export interface Simulator {
  /** Base URL for an OpenAI client, ending in /v1. */
  url: string;
  port: number;
  /** Stops listening and cuts every open connection, including hung and keep-alive ones. */
  close(): Promise<void>;
  stats(): SimStats;
  /** Replaces the fault plan; an empty list clears it. */
  setFaults(plan: FaultPlan | FaultRule): void;
  /** Forgets all windows, stats and faults. */
  reset(): void;
}

/**
 * An OpenAI-compatible chat server with per-model rate limits in each vendor's dialect, fault injection
 * and schema-valid structured output. Routes:
 *   POST /v1/chat/completions, GET /v1/models, GET /healthz,
 *   POST|DELETE /__sim/faults, GET /__sim/stats, POST /__sim/reset (control, no auth).
 */
export async function createSimulator(options: SimulatorOptions): Promise<Simulator> {
  const clock = options.clock ?? Date.now;
  const random = options.random ?? Math.random;
  const models = new Map(Object.entries(options.models));
  const limiters = new CredentialLimiters((name) => {
    const m = models.get(name);
    return m && { rpm: m.rpm, tpm: m.tpm, rpd: m.rpd, tpd: m.tpd };
  }, windowLengths(options.minuteMs));
  const faults = new FaultInjector(random);
  const stats = new StatsRecorder([...models.keys()]);
  const delays = new Delays();
  const slots = new ConcurrencySlots();
  const handleChat = createChatHandler({
    models,
    limiters,
    slots,
    faults,
    stats,
    delays,
    clock,
    random,
    latencyMs: options.latencyMs,
  });

  const reset = () => {
    limiters.clear();
    slots.clear();
    stats.clear();
    faults.clear();
  };

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://simulator').pathname.replace(/\/+$/, '') || '/';
    const method = req.method ?? 'GET';
    if (method === 'GET' && path === '/healthz') return send(res, jsonReply(200, { status: 'ok' }));
    if (path.startsWith('/__sim/')) return control(method, path, req, res);
    if (path.startsWith('/v1/') && !hasBearerToken(req)) return send(res, missingApiKey());
    if (method === 'GET' && path === '/v1/models') {
      const created = Math.floor(clock() / 1000);
      const data = [...models.keys()].map((id) => ({
        id,
        object: 'model',
        created,
        owned_by: 'spillway-simulator',
      }));
      return send(res, jsonReply(200, { object: 'list', data }));
    }
    if (method === 'POST' && path === '/v1/chat/completions')
      return handleChat(req, res, await readBody(req));
    return send(res, routeNotFound(method, path));
  }

  async function control(
    method: string,
    path: string,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    if (path === '/__sim/faults' && method === 'POST') {
      const parsed = FaultPlanSchema.safeParse(parseOrUndefined(await readBody(req)));
      if (!parsed.success)
        return send(res, invalidRequest(`Bad fault plan: ${parsed.error.issues[0]?.message}`));
      faults.set(parsed.data);
      return send(res, jsonReply(200, { faults: parsed.data }));
    }
    if (path === '/__sim/faults' && method === 'DELETE') {
      faults.clear();
      return send(res, jsonReply(200, { faults: [] }));
    }
    if (path === '/__sim/stats' && method === 'GET') return send(res, jsonReply(200, stats.snapshot()));
    if (path === '/__sim/reset' && method === 'POST') {
      reset();
      return send(res, jsonReply(200, { reset: true }));
    }
    return send(res, routeNotFound(method, path));
  }

  const server = createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      if (err instanceof BodyTooLargeError) return send(res, textReply(413, 'Payload Too Large'));
      if (!res.headersSent)
        return send(res, jsonReply(500, { error: { message: String(err), type: 'server_error' } }));
      res.destroy();
    });
  });
  const host = options.host ?? '127.0.0.1';
  const port = await listen(server, options.port ?? 0, host);
  let closing: Promise<void> | undefined;

  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/v1`,
    port,
    stats: () => stats.snapshot(),
    setFaults: (plan) => faults.set(Array.isArray(plan) ? plan : [plan]),
    reset,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        delays.cancelAll();
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function parseOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function windowLengths(minuteMs: number | undefined): Record<WindowName, number> {
  return minuteMs === undefined ? WINDOW_MS : { ...WINDOW_MS, rpm: minuteMs, tpm: minuteMs };
}
