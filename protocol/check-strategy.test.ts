import { describe, expect, it } from 'vitest';
import { checkStateSchema, getEntityDefinition } from '../machines/index.ts';
import { checkStrategySchema } from './check-strategy.ts';
import { parseJsonPath, valueAtJsonPath } from './json-path-query.ts';
import { gatewayMessageSchema } from './satellite-protocol.ts';
import { statusInSet } from './status-set.ts';

const examples = {
  http: {
    kind: 'http',
    url: 'https://shop.example/api/health',
    method: 'POST',
    headers: { Authorization: 'Bearer ${env:SHOP_TOKEN}', 'X-Probe': 'vigil' },
    body: '{"deep":true}',
    expectedStatus: [200, '3xx', '401-403'],
    maxResponseTimeMs: 800,
    bodyContains: '"status"',
    bodyNotContains: 'error',
    jsonAssertions: [{ path: '$.status', equals: 'ok' }, { path: "$.checks[0]['name']" }, { path: '$.ready', equals: null }],
    followRedirects: true,
    maxRedirects: 3,
    certificateMinDaysLeft: 14,
    acceptInvalidCertificates: false,
    timeoutMs: 5000,
  },
  tcp: { kind: 'tcp', host: 'db.internal', port: 5432, timeoutMs: 2000 },
  dns: { kind: 'dns', name: '_sip._tcp.shop.example', recordType: 'SRV', resolver: '[fd00::53]:5353', expectedAnswers: ['10 5 5060 sip.shop.example'], match: 'exact', timeoutMs: 3000 },
  tls: { kind: 'tls', host: '10.0.0.7', port: 8443, servername: 'shop.example', certificateMinDaysLeft: 21, acceptInvalidCertificates: true, timeoutMs: 4000 },
} as const;

const refusal = (strategy: Record<string, unknown>) => checkStrategySchema.safeParse(strategy).error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);

describe('check strategies', () => {
  it('each kind goes from a check create event, through the stored state, to a satellite assignment, unchanged', () => {
    const eventSchema = getEntityDefinition('check')!.eventSchema;
    for (const [kind, strategy] of Object.entries(examples)) {
      const event = eventSchema.parse({ type: 'create', systemId: 'shop', strategy, intervalMs: 30_000, satelliteIds: ['edge-1'] }) as unknown as { strategy: unknown };
      expect(event.strategy, kind).toEqual(strategy);
      // Stored, and parsed again when read: the same.
      expect(eventSchema.parse(JSON.parse(JSON.stringify(event))), kind).toEqual(event);
      const state = checkStateSchema.parse({ id: `chk-${kind}`, systemId: 'shop', strategy: event.strategy, intervalMs: 30_000, satelliteIds: ['edge-1'] });
      const frame = { type: 'authenticated', satelliteId: 'edge-1', protocol: 1, assignments: [{ checkId: state.id, systemId: state.systemId, strategy: state.strategy, intervalMs: state.intervalMs }] };
      expect(gatewayMessageSchema.parse(JSON.parse(JSON.stringify(frame))), kind).toEqual(frame);
    }
  });

  it('fills the defaults of the new kinds, and reads an http check stored before status sets unchanged', () => {
    expect(checkStrategySchema.parse({ kind: 'dns', name: 'shop.example' })).toEqual({ kind: 'dns', name: 'shop.example', recordType: 'A', match: 'contains', timeoutMs: 10_000 });
    expect(checkStrategySchema.parse({ kind: 'tls', host: 'shop.example' })).toEqual({ kind: 'tls', host: 'shop.example', port: 443, certificateMinDaysLeft: 14, acceptInvalidCertificates: false, timeoutMs: 10_000 });
    const stored = { kind: 'http', url: 'https://example.test/health', method: 'GET', expectedStatus: 200, timeoutMs: 10_000 };
    expect(checkStrategySchema.parse(stored)).toEqual(stored);
    // New http fields have no stored default: a new check's state names only what was given.
    expect(checkStrategySchema.parse({ kind: 'http', url: 'https://example.test/' })).toEqual({ kind: 'http', url: 'https://example.test/', method: 'GET', timeoutMs: 10_000 });
  });

  it('refuses what a check cannot mean, naming the field', () => {
    expect(refusal({ kind: 'ftp', host: 'x' })).toHaveLength(1);
    expect(refusal({ ...examples.tcp, tmeout: 5 })).toEqual([': Unrecognized key: "tmeout"']);
    expect(refusal({ ...examples.http, method: 'GET' })).toEqual(['body: a body goes with POST, PUT, PATCH, DELETE or OPTIONS, not GET']);
    expect(refusal({ kind: 'http', url: 'https://x/', method: 'HEAD', bodyContains: 'a' })).toEqual(['bodyContains: a HEAD response has no body']);
    expect(refusal({ kind: 'http', url: 'https://x/', maxRedirects: 2 })).toEqual(['maxRedirects: goes with followRedirects: true']);
    expect(refusal({ kind: 'http', url: 'https://x/', jsonAssertions: [{ path: '$..status' }] })?.[0]).toMatch(/^jsonAssertions\.0\.path: unsupported JSON path syntax/);
    expect(refusal({ kind: 'http', url: 'https://x/', jsonAssertions: [{ path: '$.a', equals: { nested: 1 } }] })).toHaveLength(1);
    expect(refusal({ kind: 'http', url: 'https://x/', headers: { 'X-A': 'line\r\nInjected: 1' } })).toEqual(['headers.X-A: printable characters only (no line breaks)']);
    expect(refusal({ kind: 'http', url: 'https://x/', headers: { 'Transfer-Encoding': 'chunked', 'x a': '1' } })).toEqual(['headers.Transfer-Encoding: set by the agent itself', 'headers.x a: not an HTTP header name']);
    expect(refusal({ kind: 'http', url: 'https://x/', headers: Object.fromEntries(Array.from({ length: 33 }, (_, index) => [`x-${index}`, '1'])) })).toEqual(['headers: at most 32 headers']);
    expect(refusal({ kind: 'http', url: 'https://x/', expectedStatus: '299-200' })).toEqual(['expectedStatus: a range goes from low to high']);
    expect(refusal({ kind: 'http', url: 'https://x/', expectedStatus: [] })).toHaveLength(1);
    expect(refusal({ kind: 'http', url: 'https://x/', timeoutMs: 500_000 })).toHaveLength(1);
    expect(refusal({ kind: 'dns', name: 'shop.example', resolver: 'dns.google' })?.[0]).toMatch(/^resolver: an IP address/);
    expect(refusal({ kind: 'dns', name: 'shop.example', resolver: '10.0.0.2:70000' })).toHaveLength(1);
    expect(refusal({ kind: 'dns', name: 'bad name' })).toHaveLength(1);
    expect(refusal({ kind: 'tls', host: 'x', certificateMinDaysLeft: -1 })).toHaveLength(1);
  });

  it('matches statuses by code, class and range', () => {
    expect([200, 204, 299, 300].map((status) => statusInSet(status))).toEqual([true, true, true, false]);
    expect([200, 301, 402, 404].map((status) => statusInSet(status, [200, '3xx', '401-403']))).toEqual([true, true, true, false]);
    expect(statusInSet(200, 200)).toBe(true);
  });

  it('evaluates the JSON path subset: members, quoted members, indices from either end', () => {
    const document = { status: 'ok', 'a key': { list: [1, 2, { deep: false }] }, empty: null };
    const at = (path: string) => valueAtJsonPath(document, parseJsonPath(path) as Array<string | number>);
    expect(at('$.status')).toEqual({ found: true, value: 'ok' });
    expect(at(`$['a key'].list[-1].deep`)).toEqual({ found: true, value: false });
    expect(at('$["a key"]["list"][1]')).toEqual({ found: true, value: 2 });
    expect(at('$.empty')).toEqual({ found: true, value: null });
    expect(at('$.missing')).toEqual({ found: false });
    expect(at('$.status.length')).toEqual({ found: false });
    expect(at('$.constructor')).toEqual({ found: false });
    expect(at('$')).toEqual({ found: true, value: document });
    expect(parseJsonPath('status')).toMatch(/starts with \$/);
    expect(parseJsonPath('$.items[*]')).toMatch(/unsupported/);
  });
});
