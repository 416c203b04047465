import { describeJsonSyntaxError } from '@spillway/core';
import type { FastifyError, FastifyInstance } from 'fastify';
import { ApiError } from '../errors.js';
import { assertJsonDepth } from '../json-depth.js';

/**
 * JSON bodies are parsed by fastify's own parser (which also refuses `__proto__` and
 * `constructor.prototype` keys); when it refuses one, the answer says where, as the providers file's
 * errors do, so a client can find the stray comma in a long body. Nesting is bounded here, once
 * for every route, so no later step that walks the body recursively can run out of stack.
 */
export function registerJsonBody(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    parse(request, body as string, (error: Error | null, value?: unknown) => {
      if ((error as FastifyError | null)?.code === 'FST_ERR_CTP_INVALID_JSON_BODY')
        return done(refusal(body as string), undefined);
      if (error) return done(error, undefined);
      try {
        assertJsonDepth(value);
      } catch (err) {
        return done(err as ApiError, undefined);
      }
      done(null, value);
    });
  });
}

function refusal(text: string): ApiError {
  if (parsesAsJson(text)) {
    return new ApiError(
      'invalid_json',
      'The body sets __proto__ or constructor.prototype, which is refused.',
    );
  }
  return new ApiError('invalid_json', `The body is not valid JSON: ${describeJsonSyntaxError(text)}.`);
}

function parsesAsJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
