import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LimitingProvider {
  /** `http://127.0.0.1:<port>/v1`, for an openai-compatible entry of a providers file. */
  baseUrl: string;
  /** Every request's arrival (ms) and whether it was refused. */
  calls: Array<{ at: number; limited: boolean }>;
  close(): Promise<void>;
}

const PLAN = JSON.stringify({
  summary: 'A focused day',
  items: [{ start: '09:00', end: '10:00', task: 'Write', priority: 'high' }],
});

/**
 * An OpenAI-compatible server that answers the first `limited` requests 429 with
 * `retry-after-ms` (as OpenAI does), then normal plans: a provider that keeps saying "wait".
 */
export async function startLimitingProvider(
  limited: number,
  retryAfterMs: number,
): Promise<LimitingProvider> {
  const calls: LimitingProvider['calls'] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const refuse = calls.length < limited;
      calls.push({ at: Date.now(), limited: refuse });
      if (refuse) {
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after-ms': String(retryAfterMs) });
        res.end(
          JSON.stringify({
            error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' },
          }),
        );
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id: `chatcmpl-${calls.length}`,
          object: 'chat.completion',
          created: Math.floor(Date.now() / 1000),
          model: 'm',
          choices: [{ index: 0, message: { role: 'assistant', content: PLAN }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 100, completion_tokens: 50, total_tokens: 150 },
        }),
      );
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    calls,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
