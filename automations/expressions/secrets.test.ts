import { describe, expect, it } from 'vitest';
import { MissingSecretError } from './errors.ts';
import { base64Fragments } from './secret-encodings.ts';
import { fieldsNotSecretReferences, isSecretReference, resolveSecrets, SecretMasker, secretNames } from './secrets.ts';

const secrets: Record<string, string> = { API_TOKEN: 'tok-123456', DB_PASSWORD: 'p@ss w0rd"x', PIN: '12' };
const lookup = (name: string): string | undefined => secrets[name];

describe('secretNames', () => {
  it('finds each referenced name once, deep, in order', () => {
    const value = { headers: { auth: 'Bearer ${{ secrets.API_TOKEN }}' }, list: ['${{secrets.DB_PASSWORD}} and ${{ secrets.API_TOKEN }}'], n: 3 };
    expect(secretNames(value)).toEqual(['API_TOKEN', 'DB_PASSWORD']);
  });

  it('ignores malformed references and plain templates', () => {
    expect(secretNames(['${{ secrets.lower }}', '{{ secrets.API_TOKEN }}', '$ {{ secrets.API_TOKEN }}'])).toEqual([]);
  });

  it('recognises a single reference', () => {
    expect(isSecretReference('${{ secrets.A1_B }}')).toBe(true);
    expect(isSecretReference('x ${{ secrets.A }}')).toBe(false);
  });
});

describe('resolveSecrets', () => {
  it('replaces references deep and returns the values used', () => {
    const input = { auth: 'Bearer ${{ secrets.API_TOKEN }}', body: ['${{ secrets.DB_PASSWORD }}', '${{ secrets.API_TOKEN }}'], keep: 1 };
    const resolved = resolveSecrets(input, lookup);
    expect(resolved.value).toEqual({ auth: 'Bearer tok-123456', body: ['p@ss w0rd"x', 'tok-123456'], keep: 1 });
    expect(resolved.secrets).toEqual(['tok-123456', 'p@ss w0rd"x']);
    expect(input.auth).toBe('Bearer ${{ secrets.API_TOKEN }}');
  });

  it('throws MissingSecretError for an unknown name', () => {
    expect(() => resolveSecrets({ a: '${{ secrets.NOPE }}' }, lookup)).toThrow(MissingSecretError);
    expect(() => resolveSecrets('${{ secrets.NOPE }}', lookup)).toThrow('secret "NOPE" is not defined');
  });

  it('does not touch object keys', () => {
    expect(resolveSecrets({ '${{ secrets.API_TOKEN }}': 1 }, lookup).value).toEqual({ '${{ secrets.API_TOKEN }}': 1 });
  });
});

describe('SecretMasker', () => {
  it('masks every occurrence in strings inside objects and arrays', () => {
    const masker = new SecretMasker(['tok-123456']);
    expect(masker.mask({ log: ['sent tok-123456 twice: tok-123456'], status: 200, nested: { 'tok-123456': true } })).toEqual({
      log: ['sent *** twice: ***'],
      status: 200,
      nested: { '***': true },
    });
    expect(masker.maskText('x tok-123456 y')).toBe('x *** y');
  });

  it('does not mask values shorter than 4 characters', () => {
    const masker = new SecretMasker(['12', 'abcd']);
    expect(masker.maskText('12 abcd 123')).toBe('12 *** 123');
  });

  it('masks the JSON-escaped and URL-encoded forms of a secret', () => {
    const masker = new SecretMasker(['p@ss w0rd"x']);
    expect(masker.maskText(JSON.stringify({ password: 'p@ss w0rd"x' }))).toBe('{"password":"***"}');
    expect(masker.maskText(`?p=${encodeURIComponent('p@ss w0rd"x')}`)).toBe('?p=***');
  });

  it('masks a longer secret whole when it contains a shorter one', () => {
    const masker = new SecretMasker(['abcd', 'abcdefgh']);
    expect(masker.maskText('abcdefgh abcd')).toBe('*** ***');
  });

  it('treats regular expression characters in secrets literally', () => {
    const masker = new SecretMasker(['a.b*c(d)']);
    expect(masker.maskText('a.b*c(d) axbbc(d)')).toBe('*** axbbc(d)');
  });

  it('returns values unchanged without secrets', () => {
    const value = { a: 'text' };
    expect(new SecretMasker([]).mask(value)).toBe(value);
  });
});

describe('SecretMasker: every encoding a secret takes in a URL, a header or a body', () => {
  const secret = 'p@ss w0rd"x/é+&=~*';
  const masker = new SecretMasker([secret]);
  const masked = (text: string): string => masker.maskText(text);

  it('masks the forms URLs and forms give it: encodeURIComponent, encodeURI, URL parsing, URLSearchParams', () => {
    expect(masked(`?p=${encodeURIComponent(secret)}&q=1`)).toBe('?p=***&q=1');
    expect(masked(`/x?p=${encodeURI(secret)}`)).toBe('/x?p=***');
    // What fetch sends (and a receiver echoes) for a secret substituted raw into a query.
    const parsed = new URL(`http://h.example/hook?token=${secret}`);
    expect(parsed.search).not.toContain(secret);
    expect(masked(parsed.href)).toBe('http://h.example/hook?token=***');
    const form = new URLSearchParams({ token: secret }).toString();
    expect(form).toContain('+');
    expect(masked(form)).toBe('token=***');
  });

  it('masks percent-encoding in lower-case hex and mixed with raw characters', () => {
    const lower = encodeURIComponent(secret).replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase());
    expect(lower).not.toBe(encodeURIComponent(secret));
    expect(masked(`a=${lower}`)).toBe('a=***');
    expect(masked('p%40ss%20w0rd"x%2F%C3%a9%2b&=~%2A!')).toBe('***!');
  });

  it('masks JSON-string escaping, including \\/ and \\u escapes of any character', () => {
    expect(masked(JSON.stringify({ s: secret }))).toBe('{"s":"***"}');
    // As ASCII-only serializers write it: every non-ASCII character (and here the quote) as \\uXXXX.
    const asciiOnly = secret.replace(/[^\x20-\x7e]|"/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0').toUpperCase()}`);
    expect(asciiOnly).toContain('\\u00E9');
    expect(masked(`"${asciiOnly}"`)).toBe('"***"');
    expect(masked(JSON.stringify(secret).replace(/\//g, '\\/'))).toBe('"***"');
    expect(new SecretMasker(['line1\nline2']).maskText(JSON.stringify('line1\nline2'))).toBe('"***"');
  });

  it('masks base64 and base64url, also inside a larger encoded value (Basic auth)', () => {
    const token = 'tok_9f3b-77/aa+Z';
    const tokenMasker = new SecretMasker([token]);
    for (const user of ['', 'a', 'ab', 'abc', 'svc-user']) {
      const basic = Buffer.from(`${user}:${token}`).toString('base64');
      expect(tokenMasker.maskText(`Basic ${basic}`), user).toMatch(/^Basic [A-Za-z0-9+/]{0,12}\*\*\*[A-Za-z0-9+/=]{0,3}$/);
      const url = Buffer.from(`${user}:${token}`).toString('base64url');
      expect(tokenMasker.maskText(url), user).toContain('***');
      expect(tokenMasker.maskText(url), user).not.toContain(url.slice(-8, -2));
    }
    expect(tokenMasker.maskText(Buffer.from(token).toString('base64'))).toMatch(/^\*\*\*[A-Za-z0-9+/=]{0,3}$/);
  });

  it('keeps the fragments of base64 that depend on the secret alone', () => {
    // "abc" at offset 0 is the whole group "YWJj"; at offset 1 and 2 the edges mix in other bytes.
    expect(base64Fragments('abcdef')).toEqual(['YWJjZGVm', 'FiY2RlZ', 'hYmNkZW']);
    for (const fragment of base64Fragments('abcdef')) {
      expect([0, 1, 2].some((offset) => Buffer.from(`${'x'.repeat(offset)}abcdef!`).toString('base64').includes(fragment))).toBe(true);
    }
  });

  it('masks a Standard Webhooks secret with and without its whsec_ prefix', () => {
    const key = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const keyMasker = new SecretMasker([key]);
    expect(keyMasker.maskText(`key ${key}`)).toBe('key ***');
    expect(keyMasker.maskText('key MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')).toBe('key ***');
  });

  it('leaves text without the secret alone', () => {
    expect(masked('p@ss w0rd and x/é plus %40')).toBe('p@ss w0rd and x/é plus %40');
  });
});

describe('fieldsNotSecretReferences', () => {
  it('names fields that hold a literal or a template instead of one secret reference', () => {
    const config = { a: '${{ secrets.KEY }}', b: 'whsec_abc', c: '{{ variables.key }}', d: 'x ${{ secrets.KEY }}', e: 3 };
    expect(fieldsNotSecretReferences(config, ['a', 'b', 'c', 'd', 'e', 'missing'])).toEqual(['b', 'c', 'd', 'e']);
    expect(fieldsNotSecretReferences('not an object', ['a'])).toEqual([]);
  });
});
