import { jsonReply, type SimReply } from './reply.js';

/** Errors in OpenAI's envelope, which every OpenAI-compatible provider answers for these cases. */
function openAiError(
  status: number,
  message: string,
  type: string,
  code: string | null,
  param: string | null = null,
) {
  return jsonReply(status, { error: { message, type, param, code } });
}

export function missingApiKey(): SimReply {
  return openAiError(
    401,
    "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
    'invalid_request_error',
    null,
  );
}

export function modelNotFound(model: string): SimReply {
  return openAiError(
    404,
    `The model \`${model}\` does not exist or you do not have access to it.`,
    'invalid_request_error',
    'model_not_found',
  );
}

export function contextLengthExceeded(contextWindow: number, promptTokens: number): SimReply {
  return openAiError(
    400,
    `This model's maximum context length is ${contextWindow} tokens. However, your messages resulted in ${promptTokens} tokens. Please reduce the length of the messages.`,
    'invalid_request_error',
    'context_length_exceeded',
    'messages',
  );
}

export function invalidRequest(message: string, param: string | null = null): SimReply {
  return openAiError(400, message, 'invalid_request_error', null, param);
}

export function routeNotFound(method: string, path: string): SimReply {
  return openAiError(404, `Unknown request URL: ${method} ${path}.`, 'invalid_request_error', 'unknown_url');
}

/** OpenAI's answer when the account has no credit left: a 429 that waiting does not cure. */
export function insufficientQuota(): SimReply {
  return openAiError(
    429,
    'You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.',
    'insufficient_quota',
    'insufficient_quota',
  );
}

/** Cerebras' "queue full" 429: a short backoff, not a quota. */
export function cerebrasQueueExceeded(): SimReply {
  return jsonReply(429, {
    message: "We're experiencing high traffic right now! Please try again soon.",
    type: 'too_many_requests_error',
    param: 'queue',
    code: 'queue_exceeded',
  });
}

/** Anthropic's 529 when the whole API is overloaded. */
export function anthropicOverloaded(): SimReply {
  return jsonReply(529, { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
}
