/** Where the CLI reads its settings and writes its output; passed in, so tests and embedders choose. */
export interface Output {
  write(text: string): unknown;
  /** True on a terminal: progress is then redrawn in place instead of printed line by line. */
  isTTY?: boolean;
}

export interface Io {
  stdout: Output;
  stderr: Output;
  env: Readonly<Record<string, string | undefined>>;
  /** Milliseconds; drives rates, ETAs and how often plain progress lines are printed. */
  clock: () => number;
  sleep: (ms: number) => Promise<void>;
}

export function processIo(): Io {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    clock: Date.now,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  };
}
