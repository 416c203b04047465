/** The one repair request sent after an answer fails validation: it quotes what was wrong. */
export function repairPrompt(problems: string): string {
  return [
    'Your previous answer did not match the required JSON schema.',
    `Problems found:\n${problems}`,
    'Answer again with only the corrected JSON.',
  ].join('\n');
}
