/** Prompts for the plan job: a free-text description of a day → a timed schedule. */
export const PLAN_SYSTEM_PROMPT = [
  'You are a careful day planner.',
  'Turn the user description of their day into a realistic timed schedule.',
  'Use 24-hour HH:MM times inside one day; every item ends after it starts; items do not overlap.',
  'Give each item a priority of high, medium or low, and write a one-sentence summary of the day.',
  'Answer only with JSON that matches the given schema.',
].join(' ');

export function planUserPrompt(input: { description: string; date?: string }): string {
  const day = input.date ? `Date: ${input.date}\n` : '';
  return `${day}Description of the day:\n${input.description}`;
}
