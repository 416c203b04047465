import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One chat request as the provider received it. */
export interface ScriptedRequest {
  model: string;
  messages: Array<{ role: string; content: string }>;
  response_format?: { type: string; json_schema?: { name: string; strict?: boolean; schema: unknown } };
}

export interface ScriptedProvider {
  /** `http://127.0.0.1:<port>/v1`, for an openai-compatible entry of a providers file. */
  baseUrl: string;
  requests: ScriptedRequest[];
  close(): Promise<void>;
}

/**
 * An OpenAI-compatible chat server on 127.0.0.1 that answers with the given contents in turn (the
 * last one again once they run out) and keeps every request, so a test can read the prompts sent.
 */
export async function startScriptedProvider(answers: string[]): Promise<ScriptedProvider> {
  const requests: ScriptedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ScriptedRequest;
      requests.push(request);
      const content = answers[Math.min(requests.length, answers.length) - 1]!;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id: `chatcmpl-${requests.length}`,
          object: 'chat.completion',
          created: Math.floor(Date.now() / 1000),
          model: request.model,
          choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
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
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The user message of a request. */
export function userText(request: ScriptedRequest): string {
  return request.messages.find((m) => m.role === 'user')?.content ?? '';
}
