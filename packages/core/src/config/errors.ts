/**
 * A configuration the process must not start with. The message lists every problem at once (so a user
 * fixes them in one go) and never contains a secret's value.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly issues: readonly string[];

  constructor(title: string, issues: readonly string[]) {
    super(`${title}:\n${issues.map((issue) => `- ${issue}`).join('\n')}`);
    this.issues = Object.freeze([...issues]);
  }
}
