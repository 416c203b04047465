import { CliError, EXIT, type Problem, problemError } from './errors.js';

export interface ClientOptions {
  baseUrl: string;
  apiKey?: string;
  fetch?: typeof fetch;
}

type Body = { json: unknown } | { stream: AsyncIterable<Uint8Array>; contentType: string };

/** The Spillway HTTP API over fetch: answers parsed, problems and network failures turned into CliErrors. */
export class ApiClient {
  readonly #baseUrl: string;
  readonly #apiKey?: string;
  readonly #fetch: typeof fetch;

  constructor(options: ClientOptions) {
    this.#baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#apiKey = options.apiKey;
    this.#fetch = options.fetch ?? fetch;
  }

  async json<T>(method: string, path: string, body?: Body): Promise<T> {
    const response = await this.send(method, path, body);
    return (await response.json()) as T;
  }

  /** The answer's body as a stream of bytes (NDJSON results), once the status says it is one. */
  async stream(path: string): Promise<ReadableStream<Uint8Array>> {
    const response = await this.send('GET', path);
    if (!response.body) throw new CliError(`The API sent no body for ${path}.`, EXIT.api);
    return response.body;
  }

  async send(method: string, path: string, body?: Body): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.#apiKey) headers.authorization = `Bearer ${this.#apiKey}`;
    const init: RequestInit & { duplex?: 'half' } = { method, headers };
    if (body && 'json' in body) {
      headers['content-type'] = 'application/json';
      init.body = JSON.stringify(body.json);
    } else if (body) {
      headers['content-type'] = body.contentType;
      // A stream body goes out as it is read (the file is never held in memory); fetch needs half duplex for that.
      init.body = body.stream as unknown as RequestInit['body'];
      init.duplex = 'half';
    }
    let response: Response;
    try {
      response = await this.#fetch(`${this.#baseUrl}${path}`, init);
    } catch (err) {
      throw new CliError(`Cannot reach the Spillway API at ${this.#baseUrl}: ${reason(err)}`, EXIT.api);
    }
    if (!response.ok) throw problemError(await problemOf(response));
    return response;
  }
}

async function problemOf(response: Response): Promise<Problem> {
  const text = await response.text();
  try {
    const parsed = JSON.parse(text) as Partial<Problem>;
    return { ...parsed, status: response.status, code: parsed.code ?? `http_${response.status}` };
  } catch {
    return {
      status: response.status,
      code: `http_${response.status}`,
      detail: `HTTP ${response.status}: ${text.slice(0, 200)}`,
    };
  }
}

function reason(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (err as Error).message;
}
