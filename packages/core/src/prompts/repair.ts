/** The most of a previous answer quoted back: enough to fix it, bounded so a runaway answer cannot grow the prompt. */
const QUOTED_ANSWER_LIMIT = 8000;

/** What was wrong with an answer, as the one repair request says it. */
export function repairPrompt(problems: string): string {
  return [
    'Your previous answer did not match the required JSON schema.',
    `Problems found:\n${problems}`,
    'Answer again with only the corrected JSON.',
  ].join('\n');
}

/**
 * The user message of the one repair request sent after an answer fails validation: the original
 * request, the answer it got, and the validation problems quoted, so the model can fix exactly those.
 */
export function repairUserPrompt(input: { original: string; answer: string; problems: string }): string {
  const answer = input.answer.slice(0, QUOTED_ANSWER_LIMIT);
  return `${input.original}\n\nYour previous answer:\n${answer}\n\n${repairPrompt(input.problems)}`;
}
