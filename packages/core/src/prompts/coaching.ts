import type { PlanResult } from '../jobs/results.js';

/** Prompts for the coaching job: a plan → strengths, issues, improvements and energy tips. */
export const COACHING_SYSTEM_PROMPT = [
  'You are a supportive productivity coach.',
  'Review the day plan you are given: name its strengths, the issues you see, concrete improvements,',
  'and tips for keeping energy up through the day. Be specific to the tasks and times in the plan.',
  'Answer only with JSON that matches the given schema.',
].join(' ');

export function coachingUserPrompt(input: { plan: PlanResult; description?: string }): string {
  const lines = input.plan.items.map((i) => `- ${i.start}–${i.end} [${i.priority}] ${i.task}`);
  const context = input.description ? `The person described their day as:\n${input.description}\n\n` : '';
  return `${context}Plan summary: ${input.plan.summary}\nSchedule:\n${lines.join('\n')}`;
}
