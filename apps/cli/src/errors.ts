/** The exit codes, as `spillway --help` lists them. */
export const EXIT = {
  ok: 0,
  /** A job or batch item failed (or was cancelled). */
  failed: 1,
  /** The command line, or what it points at (a file, a request the API refused as invalid). */
  usage: 2,
  /** The API answered with an error, or could not be reached. */
  api: 3,
  /** The API key is missing or not valid. */
  auth: 4,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error the CLI reports in a sentence (no stack) and exits with. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    /** Extra lines under the message, e.g. one per bad field. */
    readonly details: readonly string[] = [],
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export class UsageError extends CliError {
  constructor(message: string, details: readonly string[] = []) {
    super(message, EXIT.usage, details);
    this.name = 'UsageError';
  }
}

/** An RFC 9457 problem as the API sends it. */
export interface Problem {
  status: number;
  code: string;
  title?: string;
  detail?: string;
  errors?: Array<{ field: string; message: string }>;
}

/** Codes that mean the request itself was wrong: the user's input to fix, not the API's fault. */
const INPUT_CODES = new Set([
  'validation_failed',
  'invalid_json',
  'unknown_model',
  'payload_too_large',
  'unsupported_media_type',
]);

export function problemError(problem: Problem): CliError {
  const message = problem.detail ?? problem.title ?? `HTTP ${problem.status}`;
  const details = (problem.errors ?? []).map((e) => `${e.field}: ${e.message}`);
  if (problem.status === 401 || problem.status === 403) {
    return new CliError(`${message} (set SPILLWAY_API_KEY or pass --api-key)`, EXIT.auth);
  }
  if (INPUT_CODES.has(problem.code)) return new CliError(message, EXIT.usage, details);
  return new CliError(message, EXIT.api, details);
}
