import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** Wall-clock arrival, for spacing assertions. */
  at: number;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
}

export interface Receiver {
  url: string;
  received: Received[];
  /** TCP connections accepted, whether or not a request followed. */
  connections(): number;
  waitFor(count: number, timeoutMs?: number): Promise<Received[]>;
  close(): Promise<void>;
}

/** A webhook receiver on 127.0.0.1 that records every request and answers as `reply` says. */
export async function startReceiver(
  reply: (index: number, request: Received) => Reply = () => ({ status: 204 }),
) {
  const received: Received[] = [];
  let connections = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request: Received = {
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
      };
      const answer = reply(received.length, request);
      received.push(request);
      res.writeHead(answer.status, answer.headers).end();
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const receiver: Receiver = {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    connections: () => connections,
    async waitFor(count, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        if (Date.now() > deadline) throw new Error(`receiver got ${received.length} of ${count} deliveries`);
        await new Promise((r) => setTimeout(r, 10));
      }
      return received;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return receiver;
}

function headerText(headers: IncomingHttpHeaders, name: string): string {
  const value = headers[name];
  return Array.isArray(value) ? (value[0] ?? '') : (value ?? '');
}

/** Verifies with the official Standard Webhooks library; throws WebhookVerificationError if not valid. */
export function verifyWithLibrary(secret: string, request: Received): unknown {
  return new Webhook(secret).verify(request.body, {
    'webhook-id': headerText(request.headers, 'webhook-id'),
    'webhook-timestamp': headerText(request.headers, 'webhook-timestamp'),
    'webhook-signature': headerText(request.headers, 'webhook-signature'),
  });
}

/** An independent HMAC check, written from the spec rather than with the code under test. */
export function signatureMatches(secret: string, request: Received): boolean {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const signed = `${headerText(request.headers, 'webhook-id')}.${headerText(request.headers, 'webhook-timestamp')}.${request.body}`;
  const expected = createHmac('sha256', key).update(signed).digest();
  return headerText(request.headers, 'webhook-signature')
    .split(' ')
    .some((entry) => {
      const [version, mac] = entry.split(',');
      const given = Buffer.from(mac ?? '', 'base64');
      return version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected);
    });
}
