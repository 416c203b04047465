import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { Authenticator } from '../auth.js';
import { ApiError } from '../errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    tenant: string;
  }
}

/**
 * Every /v1 route needs `Authorization: Bearer <key>`; the key decides the tenant. A callback hook,
 * not an async one: it runs on every request and has nothing to wait for.
 */
export function registerAuth(app: FastifyInstance, authenticator: Authenticator): void {
  app.decorateRequest('tenant', '');
  app.addHook('onRequest', (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) => {
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const tenant = match ? authenticator.tenantFor(match[1]!) : null;
    if (!tenant) {
      // RFC 6750: name the scheme, and say whether a key came at all (no error code) or was wrong.
      const challenge = match ? 'Bearer realm="spillway", error="invalid_token"' : 'Bearer realm="spillway"';
      const detail = match ? 'The API key is not valid.' : 'Send Authorization: Bearer <API key>.';
      done(new ApiError('unauthorized', detail, undefined, { 'www-authenticate': challenge }));
      return;
    }
    request.tenant = tenant;
    done();
  });
}
