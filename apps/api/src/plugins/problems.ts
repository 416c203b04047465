import type { FastifyError, FastifyInstance } from 'fastify';
import { ApiError, toProblem } from '../errors.js';

const PROBLEM_JSON = 'application/problem+json';

/** Maps fastify's own errors (body parsing, limits) to our codes, so every answer is one format. */
function fromFastify(error: FastifyError): ApiError | null {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError('payload_too_large', error.message);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError('unsupported_media_type', error.message);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new ApiError('invalid_json', error.message);
    default:
      break;
  }
  if (error instanceof SyntaxError || error.statusCode === 400) return new ApiError('invalid_json', error.message);
  return null;
}

function isRedisDown(error: Error): boolean {
  const text = `${error.name} ${error.message}`;
  return /ECONNREFUSED|Connection is closed|MaxRetriesPerRequest|ETIMEDOUT|Stream isn't writeable|EPIPE/i.test(text);
}

export function registerProblems(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    let apiError = error instanceof ApiError ? error : fromFastify(error);
    if (!apiError && isRedisDown(error)) apiError = new ApiError('service_unavailable');
    if (!apiError) {
      request.log.error({ err: error }, 'unhandled error');
      apiError = new ApiError('internal_error', 'Something went wrong on our side; the request was not completed.');
    }
    if (apiError.status === 503) reply.header('retry-after', '5');
    return reply.status(apiError.status).type(PROBLEM_JSON).send(toProblem(apiError, request.url));
  });
  app.setNotFoundHandler((request, reply) => {
    const error = new ApiError('not_found', `No route ${request.method} ${request.url.split('?')[0]}`);
    return reply.status(404).type(PROBLEM_JSON).send(toProblem(error, request.url));
  });
}
