/**
 * Every error the API can answer, by stable code (as fastify keeps its errors in one registry).
 * Clients branch on `code`; `title` is the human summary; the status is fixed per code.
 */
export const API_ERRORS = {
  validation_failed: { status: 400, title: 'The request is not valid' },
  invalid_json: { status: 400, title: 'The body is not valid JSON' },
  unknown_model: { status: 400, title: 'No provider instance serves that model' },
  invalid_providers_file: {
    status: 400,
    title: 'The providers file is not valid; the version in force stays',
  },
  unauthorized: { status: 401, title: 'A valid API key is required' },
  not_found: { status: 404, title: 'Not found' },
  method_not_allowed: { status: 405, title: 'Method not allowed on this route' },
  idempotency_in_progress: {
    status: 409,
    title: 'A request with this Idempotency-Key is still being processed',
  },
  job_finished: { status: 409, title: 'The job has already finished' },
  payload_too_large: { status: 413, title: 'The body is too large' },
  unsupported_media_type: { status: 415, title: 'Unsupported content type' },
  idempotency_key_reused: { status: 422, title: 'This Idempotency-Key was used with a different body' },
  quota_exceeded: { status: 429, title: "The tenant's cap on unfinished jobs would be crossed" },
  service_unavailable: { status: 503, title: 'A dependency (Redis) is unavailable; retry shortly' },
  internal_error: { status: 500, title: 'Internal error' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ApiErrorCode = keyof typeof API_ERRORS;

export interface FieldError {
  /** JSON path of the field, e.g. `items[3].description` or `model`. */
  field: string;
  message: string;
}

export class ApiError extends Error {
  readonly code: ApiErrorCode;
  readonly status: number;
  readonly errors?: FieldError[];
  /** Headers the answer must carry (`WWW-Authenticate` on 401, `Allow` on 405, `Retry-After`...). */
  readonly headers: Readonly<Record<string, string>>;
  /** RFC 9457 extension members: the numbers behind the problem (a quota's cap, ...). */
  readonly extensions?: Readonly<Record<string, unknown>>;

  constructor(
    code: ApiErrorCode,
    detail?: string,
    errors?: FieldError[],
    headers: Record<string, string> = {},
    extensions?: Record<string, unknown>,
  ) {
    super(detail ?? API_ERRORS[code].title);
    this.name = 'ApiError';
    this.code = code;
    this.status = API_ERRORS[code].status;
    this.errors = errors;
    this.headers = headers;
    this.extensions = extensions;
  }
}

/** RFC 9457 problem details, with our stable `code` and, for validation, the fields at fault. */
export interface Problem extends Record<string, unknown> {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ApiErrorCode;
  instance?: string;
  errors?: FieldError[];
}

/** Where a problem's `type` points: the docs page has one anchor per code. */
export const problemType = (code: ApiErrorCode) => `/docs#problem-${code}`;

export function toProblem(error: ApiError, instance?: string): Problem {
  const problem: Problem = {
    ...error.extensions,
    type: problemType(error.code),
    title: API_ERRORS[error.code].title,
    status: error.status,
    detail: error.message,
    code: error.code,
  };
  if (instance) problem.instance = instance;
  if (error.errors) problem.errors = error.errors;
  return problem;
}
