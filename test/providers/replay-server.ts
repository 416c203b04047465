import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';
import type { RecordedAnswer } from '../signals/recorded-answers.js';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface TestServer {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  received: ReceivedRequest[];
  close(): Promise<void>;
}

type Handler = (request: IncomingMessage, response: ServerResponse, received: ReceivedRequest) => void;

// The recording's framing headers describe the original connection, not this one.
const FRAMING = new Set([
  'content-length',
  'transfer-encoding',
  'content-encoding',
  'connection',
  'keep-alive',
]);

/** Replays a recorded answer: its status, its headers and its body text byte for byte. */
export function replay(recorded: RecordedAnswer): Handler {
  return (_request, response) => {
    const headers = Object.fromEntries(
      Object.entries(recorded.headers).filter(([name]) => !FRAMING.has(name.toLowerCase())),
    );
    response.writeHead(recorded.status, headers);
    response.end(recorded.body);
  };
}

/** Accepts the request and never answers. */
export const silent: Handler = () => {};

/** Sends the status line and headers, then stalls before the body ends. */
export const stallAfterHeaders: Handler = (_request, response) => {
  response.writeHead(200, { 'content-type': 'application/json' });
  response.write('{"id":');
};

/** Drops the TCP connection without any HTTP answer. */
export const resetConnection: Handler = (request) => {
  request.socket.destroy();
};

/** A server on 127.0.0.1 that records each request (with its body) before handing it to `handler`. */
export async function startServer(handler: Handler): Promise<TestServer> {
  const received: ReceivedRequest[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const entry: ReceivedRequest = {
        method: request.method ?? '',
        path: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      received.push(entry);
      handler(request, response, entry);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    received,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}

/** A `serve` whose servers all close after each test (call it at the top of a test file). */
export function serverPerTest(): (handler: Handler) => Promise<TestServer> {
  let servers: TestServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.map((server) => server.close()));
    servers = [];
  });
  return async (handler) => {
    const server = await startServer(handler);
    servers.push(server);
    return server;
  };
}
