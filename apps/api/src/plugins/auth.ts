import type { Socket } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { Authenticator } from '../auth.js';
import { ApiError } from '../errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    tenant: string;
  }
}

/** The Authorization header a connection last authenticated with, and the tenant it gave. */
interface Verified {
  header: string;
  tenant: string;
}

/**
 * Every /v1 route needs `Authorization: Bearer <key>`; the key decides the tenant. A callback hook,
 * not an async one: it runs on every request and has nothing to wait for.
 *
 * A keep-alive connection sends the same header on every request, so the tenant it was verified
 * for is kept on the connection and the key is digested once per connection, not per request
 * (the digest was the largest cost of a submission beyond enqueueing it). Only a header that
 * passed is kept, and it is compared only with headers sent on the same connection, by the same
 * client: the plain string comparison tells that client nothing it did not send itself.
 */
export function registerAuth(app: FastifyInstance, authenticator: Authenticator): void {
  const verified = new WeakMap<Socket, Verified>();
  app.decorateRequest('tenant', '');
  app.addHook('onRequest', (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) => {
    const header = request.headers.authorization ?? '';
    const socket = request.raw.socket;
    const known = verified.get(socket);
    if (known !== undefined && known.header === header) {
      request.tenant = known.tenant;
      return done();
    }
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const tenant = match ? authenticator.tenantFor(match[1]!) : null;
    if (!tenant) {
      // RFC 6750: name the scheme, and say whether a key came at all (no error code) or was wrong.
      const challenge = match ? 'Bearer realm="spillway", error="invalid_token"' : 'Bearer realm="spillway"';
      const detail = match ? 'The API key is not valid.' : 'Send Authorization: Bearer <API key>.';
      done(new ApiError('unauthorized', detail, undefined, { 'www-authenticate': challenge }));
      return;
    }
    verified.set(socket, { header, tenant });
    request.tenant = tenant;
    done();
  });
}
