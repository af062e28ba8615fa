/**
 * Regular expressions that find a secret in text however it was encoded on its way there. A
 * secret substituted into a URL, a header or a body comes back (in an echoed response, an error
 * message, a log line) in whatever form the path it took gave it:
 *
 * - raw, JSON-string escaped (`\"`, `\\`, `\/`, `\n`, `\u0022`, with either hex case), or
 * - percent-encoded, wholly or in part, with either hex case: `encodeURIComponent`, `encodeURI`,
 *   the WHATWG URL parser (which encodes `"` and space in a query but leaves `@`),
 *   `URLSearchParams` / form encoding (space as `+`);
 * - base64 or base64url inside a larger encoded value, e.g. `Basic base64(user:secret)`: the
 *   secret's bytes may start at any offset within the encoded stream, so the characters that
 *   depend on the secret alone are matched for each of the three offsets.
 *
 * Each character of a form is matched in any of its encodings, so mixed forms (some characters
 * encoded, others not) are found too. Not covered: encodings applied twice (`%2522`), HTML
 * entities, hex dumps.
 */
export function secretPatterns(secret: string): Array<{ source: string; length: number }> {
  return [secret, ...base64Fragments(secret)].map((form) => ({ source: charwisePattern(form), length: form.length }));
}

/**
 * The characters of the base64 (and base64url) encoding of `secret`'s UTF-8 bytes that depend on
 * those bytes alone, for the secret starting at byte offset 0, 1 and 2 (mod 3) of the encoded data.
 */
export function base64Fragments(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const fragments = new Set<string>();
  for (const offset of [0, 1, 2]) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64').replace(/=+$/, '');
    // Leading characters mix in the bytes before the secret; with a partial last group, the last
    // character mixes in the byte after it.
    const start = [0, 2, 3][offset]!;
    const end = (offset + bytes.length) % 3 === 0 ? encoded.length : encoded.length - 1;
    const fragment = encoded.slice(start, end);
    if (fragment.length === 0) continue;
    fragments.add(fragment);
    fragments.add(fragment.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return [...fragments];
}

const JSON_SHORT_ESCAPES: Record<string, string> = { '"': '\\"', '\\': '\\\\', '/': '\\/', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** A pattern matching `text` with every character raw, percent-encoded or JSON-escaped, independently. */
function charwisePattern(text: string): string {
  let pattern = '';
  for (const char of text) {
    const alternatives = new Set<string>([escapeRegExp(char)]);
    alternatives.add([...Buffer.from(char, 'utf8')].map((byte) => `%${hexPattern(byte, 2)}`).join(''));
    if (char === ' ') alternatives.add('\\+');
    const short = JSON_SHORT_ESCAPES[char];
    if (short !== undefined) alternatives.add(escapeRegExp(short));
    let unicode = '';
    for (let index = 0; index < char.length; index++) unicode += `\\\\u${hexPattern(char.charCodeAt(index), 4)}`;
    alternatives.add(unicode);
    pattern += `(?:${[...alternatives].join('|')})`;
  }
  return pattern;
}

/** `value` as `digits` hex digits, each letter matching either case. */
function hexPattern(value: number, digits: number): string {
  return [...value.toString(16).padStart(digits, '0')].map((digit) => (/[a-f]/.test(digit) ? `[${digit}${digit.toUpperCase()}]` : digit)).join('');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
