import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkStrategySchema } from '../protocol/check-strategy.ts';
import { describeStrategy, strategyOf, strategyOptionsSchema } from './check-strategy-options.ts';

/** What `vigil check add` would send for these option values (as commander gives them). */
const strategy = (options: Record<string, unknown>) => strategyOf(strategyOptionsSchema.parse(options));

describe('check strategy options', () => {
  it('build each kind, which the check schema accepts as built', () => {
    const built = [
      strategy({
        http: 'https://shop.example/api/health',
        method: 'post',
        expect: '200,3xx,401-403',
        header: ['Authorization: Bearer ${env:SHOP_TOKEN}', 'Accept:application/json'],
        body: '{"probe":true}',
        contains: 'ok',
        notContains: 'error',
        jsonPath: ['$.status=ok', '$.count=3', '$.version="3"', "$['a=b']=true", '$.items[0]'],
        maxResponseTime: '1500ms',
        followRedirects: true,
        maxRedirects: '3',
        minDays: '14',
        acceptInvalidCertificates: true,
        timeout: '5s',
      }),
      strategy({ tcp: 'db.internal:5432', timeout: '2s' }),
      strategy({ dns: 'shop.example', recordType: 'mx', answer: ['10 mail.shop.example'], match: 'exact', resolver: '10.0.0.2:5353' }),
      strategy({ tls: '[fd00::7]:8443', servername: 'shop.example', minDays: '21' }),
    ];
    expect(built[0]).toEqual({
      kind: 'http',
      url: 'https://shop.example/api/health',
      method: 'POST',
      expectedStatus: [200, '3xx', '401-403'],
      headers: { Authorization: 'Bearer ${env:SHOP_TOKEN}', Accept: 'application/json' },
      body: '{"probe":true}',
      bodyContains: 'ok',
      bodyNotContains: 'error',
      jsonAssertions: [{ path: '$.status', equals: 'ok' }, { path: '$.count', equals: 3 }, { path: '$.version', equals: '3' }, { path: "$['a=b']", equals: true }, { path: '$.items[0]' }],
      maxResponseTimeMs: 1500,
      followRedirects: true,
      maxRedirects: 3,
      certificateMinDaysLeft: 14,
      acceptInvalidCertificates: true,
      timeoutMs: 5000,
    });
    expect(built[3]).toEqual({ kind: 'tls', host: 'fd00::7', port: 8443, servername: 'shop.example', certificateMinDaysLeft: 21 });
    for (const each of built) expect(checkStrategySchema.parse(each)).toMatchObject(each!);
    // One status stays a number: the form checks were stored in before status sets.
    expect(strategy({ http: 'http://shop/', expect: '200' })).toMatchObject({ expectedStatus: 200 });
  });

  it('read --strategy and --body from a file with @', () => {
    const folder = mkdtempSync(join(tmpdir(), 'vigil-strategy-'));
    writeFileSync(join(folder, 's.json'), '{"kind":"dns","name":"shop.example","recordType":"TXT"}');
    writeFileSync(join(folder, 'body.json'), '{"user":"probe"}');
    expect(strategy({ strategy: `@${join(folder, 's.json')}` })).toEqual({ kind: 'dns', name: 'shop.example', recordType: 'TXT' });
    expect(strategy({ strategy: '{"kind":"tcp","host":"h","port":1}' })).toEqual({ kind: 'tcp', host: 'h', port: 1 });
    expect(strategy({ http: 'http://shop/login', method: 'POST', body: `@${join(folder, 'body.json')}` })).toMatchObject({ body: '{"user":"probe"}' });
    expect(() => strategy({ strategy: '{nope' })).toThrow(/not JSON/);
    expect(() => strategy({ strategy: '[]' })).toThrow(/a JSON object/);
  });

  it('refuse two kinds, an option of another kind, and options without a kind', () => {
    expect(() => strategy({ http: 'http://a/', dns: 'a' })).toThrow('--http and --dns exclude each other: give one');
    expect(() => strategy({ dns: 'a', minDays: '3' })).toThrow('--min-days goes with --http or --tls, not --dns');
    expect(() => strategy({ strategy: '{}', timeout: '1s' })).toThrow('--timeout goes in the --strategy JSON');
    expect(() => strategy({ answer: ['x'] })).toThrow('--answer goes with --http, --tcp, --dns or --tls');
    expect(strategy({})).toBeUndefined();
    expect(strategyOptionsSchema.safeParse({ header: ['no colon'] }).success).toBe(false);
    expect(strategyOptionsSchema.safeParse({ tls: 'a:b:c' }).success).toBe(false);
  });

  it('name what a stored strategy probes, for vigil check list', () => {
    expect(['http', 'tcp', 'dns', 'tls'].map((kind) => describeStrategy(checkStrategySchema.parse({ tcp: { kind: 'tcp', host: 'db', port: 5432 }, http: { kind: 'http', url: 'https://shop/' }, dns: { kind: 'dns', name: 'shop.example', resolver: '10.0.0.2' }, tls: { kind: 'tls', host: 'shop.example' } }[kind])))).toEqual([
      'GET https://shop/',
      'tcp db:5432',
      'dns A shop.example @10.0.0.2',
      'tls shop.example:443',
    ]);
  });
});
