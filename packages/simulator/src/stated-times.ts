/**
 * The times and durations a person writes into a task ("gym at noon", "dentist at 15:00",
 * "deep work 9-11", "call mum for 30 min"), in minutes after midnight, so a simulated plan keeps
 * them as a model would.
 */

export interface StatedTimes {
  /** When the task must start, if the text says. */
  start?: number;
  /** When it must end, if the text gives a range or an "until". */
  end?: number;
  /** How long it takes, if the text says ("for 30 min", "2 hours"). */
  minutes?: number;
}

const NAMED: Record<string, number> = { noon: 12 * 60, midday: 12 * 60, midnight: 24 * 60 };
const CLOCK = String.raw`(\d{1,2})(?:[:.h](\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?`;
const RANGE = new RegExp(
  String.raw`(?:^|[^\d:])(?:from\s+)?${CLOCK}\s*(?:-|–|to|until|till)\s*${CLOCK}(?![\d:])`,
  'i',
);
const AT = new RegExp(String.raw`\b(?:at|@|from|starting)\s+(noon|midday|midnight|${CLOCK})(?![\d:])`, 'i');
const UNTIL = new RegExp(
  String.raw`\b(?:until|till|before|by)\s+(noon|midday|midnight|${CLOCK})(?![\d:])`,
  'i',
);
/** A 24-hour time standing alone ("Dentist 15:00"), which needs its colon to be told from a count. */
const BARE_CLOCK = /(?:^|[^\d:])([01]?\d|2[0-3]):([0-5]\d)(?![\d:])/;
const DURATION = /\b(\d+(?:\.\d+)?)\s*(h|hrs?|hours?|m|mins?|minutes?)\b/i;

export function statedTimes(task: string): StatedTimes {
  const stated: StatedTimes = {};
  const duration = DURATION.exec(task);
  if (duration) {
    const amount = Number(duration[1]);
    stated.minutes = Math.round(duration[2]!.toLowerCase().startsWith('h') ? amount * 60 : amount);
  }
  const range = RANGE.exec(task);
  if (range) {
    const endMeridiem = range[6];
    const end = clockMinutes(range[4]!, range[5], endMeridiem);
    // "2-4pm": the start shares the end's am/pm unless it says its own.
    let start = clockMinutes(range[1]!, range[2], range[3] ?? endMeridiem);
    if (start !== undefined && end !== undefined) {
      // "6-8" read as 18:00-08:00 runs backwards: the start was the morning after all.
      if (start >= end && range[3] === undefined) start = clockMinutes(range[1]!, range[2], undefined, true);
      if (start !== undefined && start < end) return { ...stated, start, end };
    }
  }
  const at = AT.exec(task) ?? null;
  const bare = at ? null : BARE_CLOCK.exec(task);
  const start = at
    ? (NAMED[at[1]!.toLowerCase()] ?? clockMinutes(at[2]!, at[3], at[4]))
    : bare
      ? Number(bare[1]) * 60 + Number(bare[2])
      : undefined;
  if (start !== undefined) stated.start = start;
  const until = UNTIL.exec(task);
  if (until) {
    const end = NAMED[until[1]!.toLowerCase()] ?? clockMinutes(until[2]!, until[3], until[4]);
    if (end !== undefined && (stated.start === undefined || end > stated.start)) stated.end = end;
  }
  return stated;
}

/**
 * "3pm" → 15:00, "15:00" → 15:00, "9" → 09:00. An hour with no am/pm and no minutes is read as
 * people write a working day: 1 to 7 mean the afternoon ("gym at 6"), 8 to 12 the morning and noon.
 */
function clockMinutes(
  hourText: string,
  minuteText: string | undefined,
  meridiem: string | undefined,
  morning = false,
): number | undefined {
  let hour = Number(hourText);
  const minute = minuteText === undefined ? 0 : Number(minuteText);
  if (hour > 24 || minute > 59) return undefined;
  const m = meridiem?.toLowerCase().replace(/\./g, '');
  if (m === 'pm' && hour < 12) hour += 12;
  else if (m === 'am' && hour === 12) hour = 0;
  else if (m === undefined && !morning && hour >= 1 && hour <= 7 && minuteText === undefined) hour += 12;
  return hour * 60 + minute;
}
