import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, toProblem } from '../errors.js';
import type { RouteTable } from '../route-table.js';

const PROBLEM_JSON = 'application/problem+json';

/** Maps fastify's own errors (body parsing, limits) to our codes, so every answer is one format. */
function fromFastify(error: FastifyError): ApiError | null {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError('payload_too_large', 'The body is larger than 256 KiB.');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError('unsupported_media_type', 'Send the body as application/json.');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new ApiError('invalid_json', 'The body is empty but the content type says JSON.');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new ApiError('invalid_json', 'The body is not valid JSON.');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new ApiError('invalid_json', 'The body does not match its Content-Length.');
    default:
      break;
  }
  if (error instanceof SyntaxError) return new ApiError('invalid_json', 'The body is not valid JSON.');
  // Any other request fastify could not take (a malformed URL, a body that broke off mid-stream).
  if (error.statusCode === 400) return new ApiError('validation_failed', error.message);
  return null;
}

/**
 * The API's connection has no offline queue (see redis-connection.ts): while Redis is away a
 * command fails at once with one of these, instead of waiting, and the client is told to retry.
 */
function isRedisDown(error: Error): boolean {
  const text = `${error.name} ${error.message}`;
  return /ECONNREFUSED|ECONNRESET|Connection is closed|MaxRetriesPerRequest|ETIMEDOUT|Stream isn't writeable|enableOfflineQueue|EPIPE|ClusterAllFailed|CLUSTERDOWN|^\S+ LOADING/i.test(
    text,
  );
}

/**
 * For Fastify's `frameworkErrors` option: what fails before routing (a malformed %-escape in the
 * URL, a path parameter longer than the router takes) is a problem+json 400 like any other.
 */
export function answerFrameworkError(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  const detail =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? 'A path segment is longer than any id.'
      : error.code === 'FST_ERR_BAD_URL'
        ? 'The URL is not valid (a malformed %-escape?).'
        : error.message;
  const apiError = new ApiError('validation_failed', detail);
  void reply.status(apiError.status).type(PROBLEM_JSON).send(toProblem(apiError, request.url));
}

/**
 * Every error answer is RFC 9457 problem+json with a stable `code`: our own errors, fastify's
 * (parsing, limits), unknown paths (404) and known paths with the wrong method (405 with `Allow`).
 */
export function registerProblems(app: FastifyInstance, routes: RouteTable): void {
  // Only JSON reaches the routes: without this, fastify would parse text/plain into a string and the
  // client would get a confusing validation error instead of 415.
  app.removeContentTypeParser('text/plain');

  app.setErrorHandler((error: FastifyError, request, reply) => {
    let apiError = error instanceof ApiError ? error : fromFastify(error);
    if (!apiError && isRedisDown(error))
      apiError = new ApiError('service_unavailable', undefined, undefined, { 'retry-after': '5' });
    if (!apiError) {
      request.log.error({ err: error }, 'unhandled error');
      apiError = new ApiError(
        'internal_error',
        'Something went wrong on our side; the request was not completed.',
      );
    }
    return reply
      .status(apiError.status)
      .headers(apiError.headers)
      .type(PROBLEM_JSON)
      .send(toProblem(apiError, request.url));
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    const allowed = routes.methodsFor(path);
    const error =
      allowed.length > 0
        ? new ApiError(
            'method_not_allowed',
            `${request.method} is not allowed on ${path}; use ${allowed.join(', ')}.`,
            undefined,
            {
              allow: allowed.join(', '),
            },
          )
        : new ApiError('not_found', `No route ${request.method} ${path}`);
    return reply
      .status(error.status)
      .headers(error.headers)
      .type(PROBLEM_JSON)
      .send(toProblem(error, request.url));
  });
}
