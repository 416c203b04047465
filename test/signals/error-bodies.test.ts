import { assertNever, type ProviderAnswer, parseOutcome } from '@spillway/core';
import { describe, expect, it } from 'vitest';
import { asHttpError, loadRecordedAnswer } from './recorded-answers.js';

/**
 * What an error answer means when its status alone does not say (signals/error-body.ts,
 * classify.ts): the fields read from the many body shapes, and the codes and texts that make a
 * status mean quota, too large or capacity. One fact varied at a time.
 */
const NOW = Date.parse('2025-01-15T12:00:00.000Z');
const OPTIONS = { now: NOW, random: () => 0.5 };

function http(status: number, body: unknown, headers: Record<string, string> = {}): ProviderAnswer {
  return {
    kind: 'http_error',
    status,
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    latencyMs: 1,
  };
}

const outcome = (status: number, body: unknown) => parseOutcome(http(status, body), OPTIONS);
const messageOf = (status: number, body: unknown) => {
  const result = outcome(status, body);
  return 'message' in result ? result.message : undefined;
};

describe('the message of an error body', () => {
  it('is the nested message, else the top-level one, else a top-level error string', () => {
    expect(messageOf(400, { error: { message: 'nested' }, message: 'top' })).toBe('nested');
    expect(messageOf(400, { error: { message: '   ' }, message: 'top' })).toBe('top');
    expect(messageOf(400, { error: { message: '' }, message: 'top' })).toBe('top');
    expect(messageOf(400, { error: 'just a string' })).toBe('just a string');
  });

  it('is the status when the body names none, whatever codes it carries', () => {
    expect(messageOf(422, { error: { code: 'invalid_request', type: 'invalid_request_error' } })).toBe(
      'HTTP 422',
    );
    expect(messageOf(503, {})).toBe('HTTP 503');
  });

  it('is the trimmed text of a body that is not a JSON object', () => {
    expect(messageOf(502, '  <html>Bad gateway</html>\n')).toBe('<html>Bad gateway</html>');
    expect(messageOf(500, '[["busy"]]')).toBe('[["busy"]]');
  });

  it("joins a gateway's generic message and the upstream text behind it", () => {
    const recorded = loadRecordedAnswer('openrouter-429-upstream');
    const raw = (JSON.parse(recorded.body) as { error: { metadata: { raw: string } } }).error.metadata.raw;
    const result = parseOutcome(asHttpError(recorded), OPTIONS);
    expect(result.code === 'rate_limited' && result.message).toBe(`Provider returned error: ${raw}`);
    expect(messageOf(429, { error: { metadata: { raw: 'upstream only' } } })).toBe('upstream only');
  });

  it('keeps a message of exactly the longest length whole, and shortens a longer one to it', () => {
    expect(messageOf(500, 'x'.repeat(500))).toBe('x'.repeat(500));
    expect(messageOf(500, 'y'.repeat(501))).toBe(`${'y'.repeat(499)}…`);
  });
});

describe('codes that make an answer a quota problem', () => {
  it.each([
    ['code', { error: { code: 'insufficient_quota', message: 'nope' } }],
    ['type', { error: { type: 'billing_not_active', message: 'nope' } }],
    ['a top-level code', { code: 'billing_hard_limit_reached', message: 'nope' }],
  ])('reads the %s field', (_where, body) => {
    expect(outcome(429, body).code).toBe('quota_exhausted');
  });

  it.each([
    'insufficient_quota',
    'billing_hard_limit_reached',
    'billing_not_active',
    'billing_error',
  ])('reads %s as a quota problem', (code) => {
    expect(outcome(429, { error: { code, message: 'nope' } }).code).toBe('quota_exhausted');
  });

  it('reads a numeric zero quota value as an exhausted quota', () => {
    const body = {
      error: {
        status: 'RESOURCE_EXHAUSTED',
        message: 'Quota exceeded.',
        details: [
          {
            '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
            violations: [{ quotaId: 'GenerateRequestsPerDayPerProjectPerModel-FreeTier', quotaValue: 0 }],
          },
        ],
      },
    };
    expect(outcome(429, body).code).toBe('quota_exhausted');
  });

  it('reads quota values only from QuotaFailure details', () => {
    const body = {
      error: {
        message: 'Quota exceeded.',
        details: [
          {
            '@type': 'type.googleapis.com/google.rpc.Help',
            violations: [{ quotaId: 'GenerateRequestsPerDayPerProjectPerModel-FreeTier', quotaValue: '0' }],
          },
        ],
      },
    };
    expect(outcome(429, body)).toMatchObject({ code: 'rate_limited', scope: 'instance' });
  });

  it('skips details and violations it cannot read instead of failing', () => {
    const body = {
      error: {
        message: 'Quota exceeded.',
        details: [
          null,
          'text',
          { '@type': 'type.googleapis.com/google.rpc.QuotaFailure' },
          {
            '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
            violations: [
              null,
              { quotaValue: '15' },
              { quotaId: 'GenerateRequestsPerMinutePerProjectPerModel' },
            ],
          },
          { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '9s' },
        ],
      },
    };
    expect(outcome(429, body)).toMatchObject({
      code: 'rate_limited',
      scope: 'instance',
      window: 'minute',
      retryAfterMs: 9_000,
    });
  });
});

describe('too large, capacity, or neither', () => {
  it('a 413 or a too-large code is too large, whatever the text', () => {
    expect(outcome(413, '').code).toBe('too_large');
    expect(outcome(400, { error: { code: 'context_length_exceeded', message: 'nope' } }).code).toBe(
      'too_large',
    );
  });

  it.each([
    'context_length_exceeded',
    'request_too_large',
    'string_above_max_length',
  ])('reads %s as too large', (code) => {
    expect(outcome(400, { error: { code, message: 'nope' } }).code).toBe('too_large');
  });

  it.each(['queue_exceeded', 'overloaded_error'])('reads %s as capacity', (code) => {
    expect(outcome(503, { code, message: 'nope' }).code).toBe('capacity');
  });

  it('a server error is never read as too large, whatever its text says', () => {
    expect(outcome(500, { error: { message: 'maximum context length exceeded' } })).toMatchObject({
      code: 'server_error',
      status: 500,
    });
  });

  it('a 529 or a capacity code from 429 up is capacity, whatever the text', () => {
    expect(outcome(529, '')).toMatchObject({ code: 'capacity', retryAfterMs: 5_000 });
    expect(outcome(503, { error: { type: 'overloaded_error', message: 'nope' } }).code).toBe('capacity');
    expect(
      outcome(400, { type: 'error', error: { type: 'overloaded_error', message: 'nope' } }),
    ).toMatchObject({ code: 'client_error', status: 400 });
  });

  it('"experiencing high traffic" is capacity on a 429 only', () => {
    const busy = { error: { message: 'We are experiencing high traffic, please retry.' } };
    expect(outcome(429, busy).code).toBe('capacity');
    expect(outcome(503, busy)).toMatchObject({ code: 'server_error', status: 503 });
  });
});

describe('answers no switch knows', () => {
  it('fail loudly instead of mapping to some outcome', () => {
    expect(() => parseOutcome({ kind: 'carrier-pigeon' } as never)).toThrow(
      'Unhandled provider answer: {"kind":"carrier-pigeon"}',
    );
    expect(() =>
      parseOutcome({ kind: 'transport', failure: 'solar-flare', message: 'x', latencyMs: 1 } as never),
    ).toThrow('Unhandled transport failure: "solar-flare"');
    expect(() => assertNever(1 as never)).toThrow('Unhandled value: 1');
  });
});
