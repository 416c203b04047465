const PACIFIC = new Intl.DateTimeFormat('en-US', {
  timeZone: 'America/Los_Angeles',
  hourCycle: 'h23',
  hour: 'numeric',
  minute: 'numeric',
  second: 'numeric',
});

/**
 * Milliseconds from `now` until the next midnight in America/Los_Angeles (when Google's daily
 * quotas refill). On the two days a year the clocks change it may be an hour off, never negative.
 */
export function msUntilPacificMidnight(now: number): number {
  const parts = Object.fromEntries(PACIFIC.formatToParts(new Date(now)).map((p) => [p.type, p.value]));
  const elapsed =
    (Number(parts.hour) * 3600 + Number(parts.minute) * 60 + Number(parts.second)) * 1000 + (now % 1000);
  return Math.max(1000, 86_400_000 - elapsed);
}
