import { inspect } from 'node:util';

/**
 * A credential held in memory that refuses to be printed: JSON (pino logs, `JSON.stringify`),
 * `String()` and `util.inspect` all show `[redacted]`. Only `reveal()` gives the value, and only
 * the code that hands it to the NATS client calls it.
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
    return '[redacted]';
  }

  toString(): string {
    return '[redacted]';
  }

  [inspect.custom](): string {
    return '[redacted]';
  }
}
