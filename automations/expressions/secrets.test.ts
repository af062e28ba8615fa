import { describe, expect, it } from 'vitest';
import { MissingSecretError } from './errors.ts';
import { isSecretReference, resolveSecrets, SecretMasker, secretNames } from './secrets.ts';

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
