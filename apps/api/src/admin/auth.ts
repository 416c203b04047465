import { createHash, timingSafeEqual } from 'node:crypto';
import type { Secret } from '@spillway/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, toProblem } from '../errors.js';
import { type AdminSessions, cookieValue, SESSION_COOKIE } from './session.js';

/** Browsers show a login prompt for this challenge; the user name is free, the password is the admin key. */
export const ADMIN_CHALLENGE = 'Basic realm="Spillway admin", charset="UTF-8"';

const digest = (text: string) => createHash('sha256').update(text).digest();

/** The key a request offers: `Bearer <key>`, or the password of HTTP Basic (for browsers). */
function offeredKey(header: string | undefined): string | null {
  const match = /^(Bearer|Basic)\s+(\S+)$/i.exec(header ?? '');
  if (!match) return null;
  if (match[1]!.toLowerCase() === 'bearer') return match[2]!;
  const decoded = Buffer.from(match[2]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? null : decoded.slice(colon + 1);
}

/**
 * An onRequest hook for the admin pages: the admin key (bearer, or the Basic password a browser's
 * login prompt sends), or a session cookie a request with the key was given. The cookie is what
 * lets a page's own requests through however the key first came (a browser sends URL credentials
 * and prompt answers only where it chooses). It answers the 401 itself rather than throwing: the
 * queue dashboard installs its own error handler, which would not speak problem+json.
 */
export function adminGuard(adminKey: Secret, sessions: AdminSessions) {
  const expected = digest(adminKey.reveal());
  return async function requireAdmin(request: FastifyRequest, reply: FastifyReply) {
    const session = cookieValue(request.headers.cookie, SESSION_COOKIE);
    if (session !== null && sessions.valid(session)) return;
    const key = offeredKey(request.headers.authorization);
    if (key !== null && timingSafeEqual(digest(key), expected)) {
      reply.header('set-cookie', sessions.cookie(sessions.issue(), request.protocol === 'https'));
      return;
    }
    const detail =
      key === null
        ? 'Send the admin key: Authorization: Bearer <admin key>, or HTTP Basic with it as the password.'
        : 'The admin key is not valid.';
    const error = new ApiError('unauthorized', detail);
    return reply
      .status(error.status)
      .header('www-authenticate', ADMIN_CHALLENGE)
      .type('application/problem+json')
      .send(toProblem(error, request.url));
  };
}
