import { isPlainObject } from './cel-values.ts';
import { MissingSecretError } from './errors.ts';
import { secretPatterns } from './secret-encodings.ts';

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

/**
 * The keys among `fields` (top-level keys of an action's config) whose value is present but is not
 * exactly one secret reference. Such a field holds a value that must stay secret (a signing key):
 * as a literal it would be stored, versioned and shown with the definition; as a template it would
 * pass through a run's scope.
 */
export function fieldsNotSecretReferences(config: unknown, fields: Iterable<string>): string[] {
  if (!isPlainObject(config)) return [];
  return [...fields].filter((field) => config[field] !== undefined && !(typeof config[field] === 'string' && isSecretReference(config[field])));
}

/** The message for a config field that must be a secret reference. */
export function secretFieldMessage(field: string): string {
  return `${field} must be exactly one secret reference (\${{ secrets.NAME }}), never a literal or a template: the definition is stored and shown in full`;
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

/** The prefix of a Standard Webhooks signing secret (`whsec_<base64 of the key>`). */
const WEBHOOK_SECRET_PREFIX = 'whsec_';

/**
 * Replaces secret values with `***` in strings, in every form a secret takes on its way into a
 * URL, a header, a body or a message (see `secretPatterns`): raw, JSON-escaped, percent-encoded
 * in any mix and hex case (encodeURIComponent, encodeURI, URL parsing, form encoding with `+`),
 * and inside base64 or base64url (e.g. Basic auth). A Standard Webhooks secret (`whsec_…`) is
 * also masked without its prefix. Values shorter than `MIN_MASKED_SECRET_LENGTH` are not masked.
 */
export class SecretMasker {
  private readonly pattern: RegExp | null;

  constructor(values: Iterable<string>) {
    const masked = new Set<string>();
    for (const value of values) {
      masked.add(value);
      if (value.startsWith(WEBHOOK_SECRET_PREFIX)) masked.add(value.slice(WEBHOOK_SECRET_PREFIX.length));
    }
    const patterns = [...masked].filter((value) => value.length >= MIN_MASKED_SECRET_LENGTH).flatMap(secretPatterns);
    // Longest first, so a secret that contains another is masked whole.
    const alternatives = [...new Set(patterns.sort((a, b) => b.length - a.length).map((pattern) => pattern.source))];
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
