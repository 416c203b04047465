import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { answerFor, type ChatRequest } from './completion.js';
import type { ConcurrencySlots } from './concurrency.js';
import { rateLimited, requestTooLarge, serverError } from './dialects.js';
import {
  anthropicOverloaded,
  cerebrasQueueExceeded,
  contextLengthExceeded,
  insufficientQuota,
  invalidRequest,
  modelNotFound,
} from './errors.js';
import { type FaultInjector, type FaultRule, faultFromHeader } from './faults.js';
import { bearerToken, send } from './http-io.js';
import { type Delays, drawLatency } from './latency.js';
import type { CredentialLimiters, Violation, WindowName } from './limits.js';
import { limitHeaders, type WindowView } from './rate-headers.js';
import { jsonReply } from './reply.js';
import type { StatsRecorder } from './stats.js';
import { estimateTokens, promptTokens } from './tokens.js';
import type { Latency, SimModelConfig } from './types.js';

export interface ChatDeps {
  models: Map<string, SimModelConfig>;
  limiters: CredentialLimiters;
  slots: ConcurrencySlots;
  faults: FaultInjector;
  stats: StatsRecorder;
  delays: Delays;
  clock: () => number;
  random: () => number;
  latencyMs: Latency | undefined;
}

const ChatRequestSchema = z.looseObject({
  model: z.string().min(1),
  messages: z.array(z.looseObject({ role: z.string(), content: z.unknown() })).min(1),
  stream: z.boolean().nullish(),
  response_format: z.unknown().optional(),
});

/** POST /v1/chat/completions, after authentication: faults, context window, rate limits, answer. */
export function createChatHandler(deps: ChatDeps) {
  let sequence = 0;

  return async function handleChat(
    req: IncomingMessage,
    res: ServerResponse,
    rawBody: string,
  ): Promise<void> {
    const json = parseJson(rawBody);
    if (json === NOT_JSON) {
      return send(res, invalidRequest('We could not parse the JSON body of your request. Send valid JSON.'));
    }
    const parsed = ChatRequestSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const param = issue?.path.join('.') || null;
      return send(
        res,
        invalidRequest(`Invalid request body${param ? ` at '${param}'` : ''}: ${issue?.message}`, param),
      );
    }
    const request = parsed.data as ChatRequest & { stream?: boolean | null };
    if (request.stream)
      return send(res, invalidRequest('The simulator does not stream; send stream: false.', 'stream'));
    const config = deps.models.get(request.model);
    const credential = bearerToken(req) ?? '';
    const limiter = deps.limiters.for(credential, request.model);
    if (!config || !limiter) return send(res, modelNotFound(request.model));

    let fault: FaultRule | undefined;
    try {
      fault = faultFromHeader(headerValue(req.headers['x-sim-fault'])) ?? deps.faults.next(request.model);
    } catch (err) {
      return send(res, invalidRequest(`Bad x-sim-fault header: ${(err as Error).message}`, 'x-sim-fault'));
    }
    const prompt = promptTokens(request.messages);
    const latency = () => deps.delays.wait(drawLatency(config.latencyMs ?? deps.latencyMs, deps.random));
    const now = deps.clock();
    const windows: WindowView = (window) => limiter.state(now, window);
    const completionBody = (content: string) => ({
      id: `chatcmpl-sim-${++sequence}`,
      object: 'chat.completion',
      created: Math.floor(now / 1000),
      model: request.model,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content, refusal: null },
          logprobs: null,
          finish_reason: 'stop',
        },
      ],
      usage: {
        prompt_tokens: prompt,
        completion_tokens: estimateTokens(content),
        total_tokens: prompt + estimateTokens(content),
      },
      system_fingerprint: 'fp_spillway_sim',
    });

    if (fault) {
      deps.stats.fault(request.model);
      switch (fault.kind) {
        case 'hang':
          // Never answer: the client's timeout, or close(), ends the connection.
          return;
        case 'reset':
          // Before any byte of the answer, so the client sees a dropped connection, not a short body.
          req.socket.destroy();
          return;
        case 'capacity':
          return send(res, cerebrasQueueExceeded());
        case 'overloaded':
          return send(res, anthropicOverloaded());
        case 'insufficient_quota':
          return send(res, insufficientQuota());
        case 'rate_limit':
          return send(
            res,
            rateLimited(config.dialect, {
              model: request.model,
              violation: forcedViolation(config, windows, fault.retryAfterMs),
              now,
              windows,
              sendRemainingHeaders: config.sendRemainingHeaders ?? true,
            }),
          );
        case 'server_error':
          await latency();
          return send(res, serverError(config.dialect, fault.status));
        case 'malformed_json': {
          await latency();
          const full = JSON.stringify(completionBody(answerFor(request, true)));
          return send(res, { ...jsonReply(200, null), body: full.slice(0, Math.floor(full.length / 2)) });
        }
        case 'invalid_output':
          await latency();
          return send(res, jsonReply(200, completionBody(answerFor(request, false))));
      }
    }

    if (config.contextWindow !== undefined && prompt > config.contextWindow) {
      return send(res, contextLengthExceeded(config.contextWindow, prompt));
    }
    // A provider with a few slots refuses one call too many outright, before any window counts it.
    if (deps.slots.full(credential, request.model, config.maxConcurrent)) {
      deps.stats.queueExceeded(request.model);
      return send(res, cerebrasQueueExceeded());
    }
    const content = answerFor(request, true);
    const tokens = prompt + estimateTokens(content);
    const admission = limiter.admit(now, tokens);
    const sendRemainingHeaders = config.sendRemainingHeaders ?? true;
    switch (admission.outcome) {
      case 'rate_limited':
        deps.stats.rateLimited(request.model);
        return send(
          res,
          rateLimited(config.dialect, {
            model: request.model,
            violation: admission.violation,
            now,
            windows,
            sendRemainingHeaders,
          }),
        );
      case 'too_large':
        return send(
          res,
          requestTooLarge(
            config.dialect,
            request.model,
            admission.window,
            admission.limit,
            admission.requested,
            now,
          ),
        );
      case 'accepted': {
        deps.stats.accepted(request.model, now, tokens);
        // Headers describe the windows as the request was admitted, like a real gateway's.
        const headers = sendRemainingHeaders ? limitHeaders(config.dialect, windows, now) : {};
        // In flight from here (no await since the check above) until the answer goes out.
        deps.stats.inFlight(request.model, deps.slots.enter(credential, request.model));
        try {
          await latency();
          return send(res, jsonReply(200, completionBody(content), headers));
        } finally {
          deps.slots.leave(credential, request.model);
        }
      }
    }
  };
}

/** A 429 on demand: names the model's first configured window as full. */
function forcedViolation(config: SimModelConfig, windows: WindowView, retryAfterMs?: number): Violation {
  const window = (['rpm', 'rpd', 'tpm', 'tpd'] as WindowName[]).find((w) => config[w] !== undefined) ?? 'rpm';
  const state = windows(window);
  const limit = config[window] ?? 0;
  return {
    window,
    limit,
    used: limit,
    requested: 1,
    retryAfterMs: retryAfterMs ?? Math.max(1000, state?.resetMs ?? 0),
  };
}

const NOT_JSON = Symbol('not json');

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return NOT_JSON;
  }
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
