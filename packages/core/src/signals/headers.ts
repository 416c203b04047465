/** Header names are case-insensitive; every signal reader works on lower-cased names. */
export function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) result[name.toLowerCase()] = value;
  return result;
}

/** A header as a finite number, or undefined. */
export function numericHeader(headers: Record<string, string>, name: string): number | undefined {
  const value = headers[name]?.trim();
  if (value === undefined || value === '') return undefined;
  const number = Number(value);
  return Number.isFinite(number) ? number : undefined;
}
