import { isPlainObject } from './cel-values.ts';
import { MissingSecretError } from './errors.ts';

/**
 * Secrets are referenced in strings as `${{ secrets.NAME }}` (NAME: `[A-Z][A-Z0-9_]*`). They are
 * resolved last, right before an action runs, so their values never enter a run's scope, its
 * stored state or a template's evaluation; `SecretMasker` removes them from what an action returns
 * and from logs.
 */
const SECRET_REFERENCE = /\$\{\{\s*secrets\.([A-Z][A-Z0-9_]*)\s*\}\}/g;

/** True when `text` is exactly one well-formed secret reference. */
export function isSecretReference(text: string): boolean {
  return /^\$\{\{\s*secrets\.[A-Z][A-Z0-9_]*\s*\}\}$/.test(text);
}

/** Names of the secrets referenced anywhere in `value` (strings inside objects and arrays), each once, in order of appearance. */
export function secretNames(value: unknown): string[] {
  const names = new Set<string>();
  visitStrings(value, (text) => {
    for (const match of text.matchAll(SECRET_REFERENCE)) names.add(match[1]!);
  });
  return [...names];
}

export interface ResolvedSecrets<T> {
  value: T;
  /** The values substituted, each once: hand them to a `SecretMasker`. */
  secrets: string[];
}

/**
 * Replaces every secret reference in `value` (deep; object keys are left alone) with the secret's
 * value. Returns a copy; `value` is not modified. Throws `MissingSecretError` for the first name
 * `lookup` does not know.
 */
export function resolveSecrets<T>(value: T, lookup: (name: string) => string | undefined): ResolvedSecrets<T> {
  const used = new Set<string>();
  const resolve = (text: string): string =>
    text.replace(SECRET_REFERENCE, (_reference, name: string) => {
      const secret = lookup(name);
      if (secret === undefined) throw new MissingSecretError(name);
      used.add(secret);
      return secret;
    });
  return { value: mapStrings(value, resolve) as T, secrets: [...used] };
}

/** Shortest secret value that is masked: shorter ones would mask ordinary words and digits. */
export const MIN_MASKED_SECRET_LENGTH = 4;
export const SECRET_MASK = '***';

/**
 * Replaces secret values with `***` in strings. Besides the value as is, it masks the forms a
 * secret commonly takes in logged output: JSON-escaped (inside a serialized body) and
 * URL-encoded (inside a query string).
 */
export class SecretMasker {
  private readonly pattern: RegExp | null;

  constructor(values: Iterable<string>) {
    const forms = new Set<string>();
    for (const value of values) {
      if (value.length < MIN_MASKED_SECRET_LENGTH) continue;
      forms.add(value);
      forms.add(JSON.stringify(value).slice(1, -1));
      forms.add(encodeURIComponent(value));
    }
    // Longest first, so a secret that contains another is masked whole.
    const alternatives = [...forms].sort((a, b) => b.length - a.length).map(escapeRegExp);
    this.pattern = alternatives.length > 0 ? new RegExp(alternatives.join('|'), 'g') : null;
  }

  maskText(text: string): string {
    return this.pattern ? text.replace(this.pattern, SECRET_MASK) : text;
  }

  /** A copy of `value` with every string (and object key) inside plain objects and arrays masked. */
  mask(value: unknown): unknown {
    if (!this.pattern) return value;
    return mapStrings(value, (text) => this.maskText(text), true);
  }
}

function mapStrings(value: unknown, map: (text: string) => string, keysToo = false): unknown {
  if (typeof value === 'string') return map(value);
  if (Array.isArray(value)) return value.map((item) => mapStrings(item, map, keysToo));
  if (isPlainObject(value)) {
    const mapped: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      Object.defineProperty(mapped, keysToo ? map(key) : key, { value: mapStrings(item, map, keysToo), enumerable: true, writable: true, configurable: true });
    }
    return mapped;
  }
  return value;
}

function visitStrings(value: unknown, visit: (text: string) => void): void {
  if (typeof value === 'string') visit(value);
  else if (Array.isArray(value)) value.forEach((item) => visitStrings(item, visit));
  else if (isPlainObject(value)) Object.values(value).forEach((item) => visitStrings(item, visit));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
