import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SimReply } from './reply.js';

const MAX_BODY_BYTES = 8 * 1024 * 1024;

export class BodyTooLargeError extends Error {}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new BodyTooLargeError(`request body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Any bearer token will do: the simulator checks that a key was sent, not which. */
export function hasBearerToken(req: IncomingMessage): boolean {
  return bearerToken(req) !== undefined;
}

/** The caller's API key: what a real provider counts its limits against. */
export function bearerToken(req: IncomingMessage): string | undefined {
  return /^Bearer\s+(\S+)/i.exec(req.headers.authorization ?? '')?.[1];
}

export function send(res: ServerResponse, reply: SimReply): void {
  // The client may have gone, or close() may have cut the connection while a latency was pending.
  if (res.destroyed || res.writableEnded) return;
  res.writeHead(reply.status, {
    'content-type': reply.contentType,
    'content-length': Buffer.byteLength(reply.body),
    ...reply.headers,
  });
  res.end(reply.body);
}
