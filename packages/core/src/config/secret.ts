import { inspect } from 'node:util';

const REDACTED = '[redacted]';

/**
 * Wraps a credential so that it cannot leak by accident: JSON.stringify, template strings,
 * util.inspect and pino all see `[redacted]`. Only `reveal()` gives the value, at the one place
 * that must send it (an HTTP Authorization header, an HMAC key).
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toJSON(): string {
    return REDACTED;
  }

  toString(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}
