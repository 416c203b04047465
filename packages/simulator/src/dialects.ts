import { formatGoDuration, wholeSeconds } from './durations.js';
import { countsTokens, isDaily, type Violation, type WindowName } from './limits.js';
import { limitHeaders, type WindowView } from './rate-headers.js';
import { jsonReply, type SimReply, textReply } from './reply.js';
import type { Dialect } from './types.js';

/**
 * The vendors' own error shapes, copied from what their APIs answer, so signal parsing is tested against
 * the real thing rather than a tidy imitation.
 */

export interface RateLimitContext {
  model: string;
  violation: Violation;
  now: number;
  windows: WindowView;
  /** Whether the model sends remaining/reset headers at all. */
  sendRemainingHeaders: boolean;
}

const ABBREVIATION: Record<WindowName, string> = { rpm: 'RPM', rpd: 'RPD', tpm: 'TPM', tpd: 'TPD' };

export function rateLimited(dialect: Dialect, ctx: RateLimitContext): SimReply {
  const { violation } = ctx;
  const hints = () => ({
    'retry-after': String(wholeSeconds(violation.retryAfterMs)),
    ...(ctx.sendRemainingHeaders ? limitHeaders(dialect, ctx.windows, ctx.now, violation) : {}),
  });
  switch (dialect) {
    case 'groq':
      return jsonReply(429, { error: { ...groqMessage(ctx), code: 'rate_limit_exceeded' } }, hints());
    case 'openai':
      return jsonReply(
        429,
        {
          error: {
            message: openAiMessage(ctx),
            type: unit(violation.window),
            param: null,
            code: 'rate_limit_exceeded',
          },
        },
        hints(),
      );
    case 'gemini':
      return jsonReply(429, [{ error: geminiQuotaError(ctx) }]);
    case 'cerebras':
      return jsonReply(429, cerebrasQuotaError(violation.window), hints());
    case 'anthropic':
      return jsonReply(
        429,
        { type: 'error', error: { type: 'rate_limit_error', message: anthropicMessage(violation) } },
        hints(),
      );
    case 'bare':
      return textReply(429, 'Too Many Requests');
  }
}

/**
 * A request with more tokens than a token window ever holds. Groq answers 413; OpenAI a 429 with
 * "Request too large" and no retry hint; Gemini its usual quota 429; the others a 413.
 */
export function requestTooLarge(
  dialect: Dialect,
  model: string,
  window: WindowName,
  limit: number,
  requested: number,
  now: number,
): SimReply {
  switch (dialect) {
    case 'groq':
      return jsonReply(413, {
        error: {
          message: `Request too large for model \`${model}\` in organization \`org_01sim\` service tier \`on_demand\` on ${groqLabel(window)} (${ABBREVIATION[window]}): Limit ${limit}, Requested ${requested}, please reduce your message size and try again. Visit https://console.groq.com/docs/rate-limits for more information.`,
          type: 'tokens',
          code: 'rate_limit_exceeded',
        },
      });
    case 'openai':
      return jsonReply(429, {
        error: {
          message: `Request too large for ${model} in organization org-sim on ${openAiLabel(window)} (${ABBREVIATION[window]}): Limit ${limit}, Requested ${requested}. The input or output tokens must be reduced in order to run successfully. Visit https://platform.openai.com/account/rate-limits to learn more.`,
          type: 'tokens',
          param: null,
          code: 'rate_limit_exceeded',
        },
      });
    case 'gemini':
      return jsonReply(429, [
        {
          error: geminiQuotaError({
            model,
            now,
            windows: () => undefined,
            sendRemainingHeaders: false,
            violation: { window, limit, used: 0, requested, retryAfterMs: 60_000 },
          }),
        },
      ]);
    case 'cerebras':
      return jsonReply(413, {
        message: `Request too large: ${requested} tokens exceed the limit of ${limit} ${isDaily(window) ? 'tokens per day' : 'tokens per minute'}.`,
        type: 'invalid_request_error',
        param: 'messages',
        code: 'request_too_large',
      });
    case 'anthropic':
      return jsonReply(413, {
        type: 'error',
        error: {
          type: 'request_too_large',
          message: 'Request exceeds the maximum allowed number of tokens.',
        },
      });
    case 'bare':
      return textReply(413, 'Payload Too Large');
  }
}

/** The status each vendor most often answers when it fails on its side. */
const DEFAULT_SERVER_ERROR: Record<Dialect, 500 | 502 | 503> = {
  openai: 500,
  groq: 503,
  gemini: 503,
  cerebras: 500,
  anthropic: 500,
  bare: 502,
};

export function serverError(
  dialect: Dialect,
  status: 500 | 502 | 503 = DEFAULT_SERVER_ERROR[dialect],
): SimReply {
  const text = { 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable' }[status];
  switch (dialect) {
    case 'openai':
      return jsonReply(status, {
        error: {
          message:
            status === 503
              ? 'The engine is currently overloaded, please try again later.'
              : 'The server had an error while processing your request. Sorry about that!',
          type: 'server_error',
          param: null,
          code: null,
        },
      });
    case 'groq':
      return jsonReply(status, { error: { message: text, type: 'internal_server_error' } });
    case 'gemini':
      return jsonReply(status, [
        {
          error:
            status === 500
              ? { code: 500, message: 'An internal error has occurred. Please retry.', status: 'INTERNAL' }
              : {
                  code: status,
                  message: 'The model is overloaded. Please try again later.',
                  status: 'UNAVAILABLE',
                },
        },
      ]);
    case 'cerebras':
      return jsonReply(status, {
        message: text,
        type: 'server_error',
        param: '',
        code: status === 503 ? 'service_unavailable' : 'internal_server_error',
      });
    case 'anthropic':
      return jsonReply(status, { type: 'error', error: { type: 'api_error', message: text } });
    case 'bare':
      return textReply(status, text);
  }
}

function unit(window: WindowName): 'requests' | 'tokens' {
  return countsTokens(window) ? 'tokens' : 'requests';
}

function groqLabel(window: WindowName): string {
  return `${unit(window)} per ${isDaily(window) ? 'day' : 'minute'}`;
}

function openAiLabel(window: WindowName): string {
  return `${unit(window)} per ${isDaily(window) ? 'day' : 'min'}`;
}

function groqMessage({ model, violation: v }: RateLimitContext) {
  return {
    message: `Rate limit reached for model \`${model}\` in organization \`org_01sim\` service tier \`on_demand\` on ${groqLabel(v.window)} (${ABBREVIATION[v.window]}): Limit ${v.limit}, Used ${v.used}, Requested ${v.requested}. Please try again in ${formatGoDuration(v.retryAfterMs)}. Visit https://console.groq.com/docs/rate-limits for more information.`,
    type: unit(v.window),
  };
}

function openAiMessage({ model, violation: v }: RateLimitContext): string {
  return `Rate limit reached for ${model} in organization org-sim on ${openAiLabel(v.window)} (${ABBREVIATION[v.window]}): Limit ${v.limit}, Used ${v.used}, Requested ${v.requested}. Please try again in ${formatGoDuration(v.retryAfterMs)}. Visit https://platform.openai.com/account/rate-limits to learn more.`;
}

const GEMINI_QUOTA: Record<WindowName, { metric: string; quotaId: string }> = {
  rpm: {
    metric: 'generativelanguage.googleapis.com/generate_content_free_tier_requests',
    quotaId: 'GenerateRequestsPerMinutePerProjectPerModel-FreeTier',
  },
  rpd: {
    metric: 'generativelanguage.googleapis.com/generate_content_free_tier_requests',
    quotaId: 'GenerateRequestsPerDayPerProjectPerModel-FreeTier',
  },
  tpm: {
    metric: 'generativelanguage.googleapis.com/generate_content_free_tier_input_token_count',
    quotaId: 'GenerateContentInputTokensPerModelPerMinute-FreeTier',
  },
  tpd: {
    metric: 'generativelanguage.googleapis.com/generate_content_free_tier_input_token_count',
    quotaId: 'GenerateContentInputTokensPerModelPerDay-FreeTier',
  },
};

function geminiQuotaError({ model, violation: v }: RateLimitContext) {
  const { metric, quotaId } = GEMINI_QUOTA[v.window];
  const seconds = v.retryAfterMs / 1000;
  return {
    code: 429,
    message: `You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits. To monitor your current usage, head to: https://ai.dev/usage?tab=rate-limit. \n* Quota exceeded for metric: ${metric}, limit: ${v.limit}, model: ${model}\nPlease retry in ${seconds}s.`,
    status: 'RESOURCE_EXHAUSTED',
    details: [
      {
        '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
        violations: [
          {
            quotaMetric: metric,
            quotaId,
            quotaDimensions: { location: 'global', model },
            quotaValue: String(v.limit),
          },
        ],
      },
      {
        '@type': 'type.googleapis.com/google.rpc.Help',
        links: [
          {
            description: 'Learn more about Gemini API quotas',
            url: 'https://ai.google.dev/gemini-api/docs/rate-limits',
          },
        ],
      },
      // Rounded up: a client that honours the hint must not land inside the window again.
      { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${wholeSeconds(v.retryAfterMs)}s` },
    ],
  };
}

function cerebrasQuotaError(window: WindowName) {
  const daily = isDaily(window);
  return countsTokens(window)
    ? {
        message: `Tokens per ${daily ? 'day' : 'minute'} limit exceeded - too many tokens processed.`,
        type: 'too_many_requests_error',
        param: 'quota',
        code: 'token_quota_exceeded',
      }
    : {
        message: `Requests per ${daily ? 'day' : 'minute'} limit exceeded - too many requests sent.`,
        type: 'too_many_requests_error',
        param: 'quota',
        code: 'request_quota_exceeded',
      };
}

function anthropicMessage(v: Violation): string {
  const what = countsTokens(v.window) ? 'input tokens' : 'requests';
  return `This request would exceed the rate limit for your organization (sim) of ${v.limit.toLocaleString('en-US')} ${what} per ${isDaily(v.window) ? 'day' : 'minute'}. For details, refer to: https://docs.claude.com/en/api/rate-limits. You can see the response headers for current usage. Please reduce the prompt length or the maximum tokens requested, or try again later. You may also contact sales at https://www.anthropic.com/contact-sales to discuss your options for a rate limit increase.`;
}
