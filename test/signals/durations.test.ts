import {
  parseGoDuration,
  parseGoogleDuration,
  parseHttpDate,
  parseResetValue,
  parseRetryAfter,
  parseRetryAfterMs,
  parseSeconds,
  parseTimestamp,
} from '@spillway/core';
import { describe, expect, it } from 'vitest';

const NOW = Date.parse('2025-01-15T12:00:00.000Z');

describe('parseGoDuration', () => {
  it.each([
    ['2m59.56s', 179_560],
    ['940ms', 940],
    ['1h2m3s', 3_723_000],
    ['7.66s', 7_660],
    ['35m19s', 2_119_000],
    ['18m20.589s', 1_100_589],
    ['1.984999999s', 1_985],
    ['6m0s', 360_000],
    ['0s', 0],
    ['0', 0],
    ['1500us', 2],
    ['.25s', 250],
    ['1.s', 1_000],
  ])('reads %s as %i ms', (text, ms) => {
    expect(parseGoDuration(text)).toBe(ms);
  });

  it.each(['', '12', 'soon', '5 s', '2m59.56', 'm5s', '-3s', '1m+5s'])('rejects %j', (text) => {
    expect(parseGoDuration(text)).toBeUndefined();
  });

  it('ignores surrounding whitespace and a leading plus sign', () => {
    expect(parseGoDuration(' 7.66s\t')).toBe(7_660);
    expect(parseGoDuration('+1m')).toBe(60_000);
  });
});

describe('parseSeconds (Cerebras float-second resets)', () => {
  it('reads a long float of seconds, rounding up to the millisecond', () => {
    expect(parseSeconds('33011.382867097855')).toBe(33_011_383);
    expect(parseSeconds('11.382867097854614')).toBe(11_383);
    expect(parseSeconds('20')).toBe(20_000);
    expect(parseSeconds(' 20 ')).toBe(20_000);
  });

  it('rejects anything but a plain number', () => {
    expect(parseSeconds('20s')).toBeUndefined();
    expect(parseSeconds('-20')).toBeUndefined();
    expect(parseSeconds('Wed, 15 Jan 2025 12:01:30 GMT')).toBeUndefined();
  });
});

describe('parseRetryAfter', () => {
  it('reads delay-seconds', () => {
    expect(parseRetryAfter('120', NOW)).toBe(120_000);
  });

  it('reads an HTTP date relative to the injected now, not the wall clock', () => {
    expect(parseRetryAfter('Wed, 15 Jan 2025 12:01:30 GMT', NOW)).toBe(90_000);
    expect(parseRetryAfter('Wed, 15 Jan 2025 12:01:30 GMT', NOW + 30_000)).toBe(60_000);
  });

  it('treats a date already past as no wait at all', () => {
    expect(parseRetryAfter('Wed, 15 Jan 2025 11:00:00 GMT', NOW)).toBe(0);
  });

  it('rejects garbage', () => {
    expect(parseRetryAfter('later', NOW)).toBeUndefined();
    expect(parseHttpDate('12', NOW)).toBeUndefined();
  });
});

describe('parseRetryAfterMs', () => {
  it('reads fractional milliseconds, rounding up', () => {
    expect(parseRetryAfterMs('1534.5')).toBe(1_535);
    expect(parseRetryAfterMs('20')).toBe(20);
    expect(parseRetryAfterMs('2s')).toBeUndefined();
    expect(parseRetryAfterMs(' 20 ')).toBe(20);
  });
});

describe('parseTimestamp (Anthropic RFC 3339 resets)', () => {
  it('reads Z and offset forms relative to now', () => {
    expect(parseTimestamp('2025-01-15T12:00:42Z', NOW)).toBe(42_000);
    expect(parseTimestamp('2025-01-15T13:00:42.5+01:00', NOW)).toBe(42_500);
    expect(parseTimestamp(' 2025-01-15T12:00:42Z ', NOW)).toBe(42_000);
    expect(parseTimestamp('2025-01-15T12:00:42.25Z', NOW)).toBe(42_250);
  });

  it('rejects a date without a time zone, which would be read in local time', () => {
    expect(parseTimestamp('2025-01-15T12:00:42', NOW)).toBeUndefined();
  });
});

describe('parseGoogleDuration', () => {
  it('reads protobuf Duration JSON', () => {
    expect(parseGoogleDuration('47.434392449s')).toBe(47_435);
    expect(parseGoogleDuration('58s')).toBe(58_000);
    expect(parseGoogleDuration('58')).toBeUndefined();
    expect(parseGoogleDuration(' 58s ')).toBe(58_000);
    expect(parseGoogleDuration('x58s')).toBeUndefined();
    expect(parseGoogleDuration('58sx')).toBeUndefined();
  });
});

describe('parseResetValue', () => {
  it.each([
    ['2m59.56s', 179_560],
    ['33011.382867097855', 33_011_383],
    ['2025-01-15T12:00:42Z', 42_000],
    ['1736985600000', 43_200_000],
    ['1736985600', 43_200_000],
    ['Wed, 15 Jan 2025 12:01:30 GMT', 90_000],
    [' 20 ', 20_000],
  ])('reads %j in whichever dialect it is', (text, ms) => {
    expect(parseResetValue(text, NOW)).toBe(ms);
  });

  it('reads 10^12 as epoch milliseconds and 10^9 as epoch seconds: both long past, no wait', () => {
    expect(parseResetValue('1000000000000', NOW)).toBe(0);
    expect(parseResetValue('1000000000', NOW)).toBe(0);
    // Just under either floor, a number is a delay in seconds.
    expect(parseResetValue('999999999', NOW)).toBe(999_999_999_000);
  });
});
