/** The simulator's token estimate: a quarter of the characters, rounded up. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** The text of a chat message's content, whether a plain string or an array of parts. */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part) =>
      part !== null && typeof part === 'object' && typeof (part as { text?: unknown }).text === 'string'
        ? (part as { text: string }).text
        : '',
    )
    .join('');
}

export function promptTokens(messages: ReadonlyArray<{ content?: unknown }>): number {
  return estimateTokens(messages.map((m) => contentText(m.content)).join(''));
}
