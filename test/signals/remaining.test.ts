import { parseRemaining } from '@spillway/core';
import { describe, expect, it } from 'vitest';
import { loadRecordedAnswer } from './recorded-answers.js';

const NOW = Date.parse('2025-01-15T12:00:00.000Z');

describe('parseRemaining', () => {
  it('reads Groq requests as per day and tokens as per minute', () => {
    expect(parseRemaining(loadRecordedAnswer('groq-chat-completion-ok').headers, NOW)).toEqual([
      { what: 'requests', window: 'day', limit: 14_400, remaining: 14_399, resetMs: 6_000 },
      { what: 'tokens', window: 'minute', limit: 6_000, remaining: 5_734, resetMs: 2_660 },
    ]);
  });

  it('reads OpenAI requests and tokens as per minute', () => {
    expect(parseRemaining(loadRecordedAnswer('openai-chat-completion-ok').headers, NOW)).toEqual([
      { what: 'requests', window: 'minute', limit: 5_000, remaining: 4_999, resetMs: 12 },
      { what: 'tokens', window: 'minute', limit: 4_000_000, remaining: 3_999_734, resetMs: 3 },
    ]);
  });

  it('lets the caller name the provider when Groq headers come without x-groq-region', () => {
    const headers = { 'x-ratelimit-remaining-requests': '3', 'x-ratelimit-reset-requests': '1m0s' };
    // Strict: a limit the headers did not state is absent, not undefined.
    expect(parseRemaining(headers, NOW, 'groq')).toStrictEqual([
      { what: 'requests', window: 'day', remaining: 3, resetMs: 60_000 },
    ]);
    expect(parseRemaining(headers, NOW)).toStrictEqual([
      { what: 'requests', window: 'minute', remaining: 3, resetMs: 60_000 },
    ]);
  });

  it("reads Cerebras' suffixed day and minute budgets with float-second resets", () => {
    expect(parseRemaining(loadRecordedAnswer('cerebras-429-tokens-minute').headers, NOW)).toEqual([
      { what: 'requests', window: 'day', limit: 14_400, remaining: 13_987, resetMs: 33_011_383 },
      { what: 'tokens', window: 'minute', limit: 60_000, remaining: 0, resetMs: 11_383 },
    ]);
  });

  it('reads Anthropic budgets with RFC 3339 resets relative to now', () => {
    expect(parseRemaining(loadRecordedAnswer('anthropic-messages-tool-use-ok').headers, NOW)).toEqual([
      { what: 'requests', window: 'minute', limit: 50, remaining: 49, resetMs: 1_000 },
      { what: 'tokens', window: 'minute', limit: 40_000, remaining: 39_000, resetMs: 2_000 },
    ]);
  });

  it("reads Anthropic's input and output token budgets apart from the combined one", () => {
    expect(
      parseRemaining(loadRecordedAnswer('anthropic-200-input-output-token-budgets').headers, NOW),
    ).toEqual([
      { what: 'requests', window: 'minute', limit: 50, remaining: 49, resetMs: 1_000 },
      { what: 'tokens', window: 'minute', limit: 48_000, remaining: 47_000, resetMs: 2_000 },
      { what: 'input-tokens', window: 'minute', limit: 40_000, remaining: 39_500, resetMs: 3_000 },
      { what: 'output-tokens', window: 'minute', limit: 8_000, remaining: 120, resetMs: 30_000 },
    ]);
  });

  it('ignores header case and skips budgets without a readable remaining count', () => {
    const headers = {
      'X-RateLimit-Remaining-Tokens': '120',
      'x-ratelimit-limit-requests': '100',
      'x-ratelimit-remaining-requests': 'lots',
    };
    expect(parseRemaining(headers, NOW)).toStrictEqual([
      { what: 'tokens', window: 'minute', remaining: 120 },
    ]);
  });

  it('skips a budget whose remaining count is blank, rather than reading it as none left', () => {
    const headers = { 'x-ratelimit-remaining-requests': '', 'x-ratelimit-remaining-tokens': '  ' };
    expect(parseRemaining(headers, NOW)).toEqual([]);
  });

  it('returns nothing for an answer without budget headers', () => {
    expect(parseRemaining({ 'content-type': 'application/json' }, NOW)).toEqual([]);
  });
});
