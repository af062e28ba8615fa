import { execFileSync } from 'node:child_process';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type RequestListener } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTcpServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createServer as createTlsServer } from 'node:tls';
import * as dnsPacket from 'dns-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkStrategySchema } from '../../protocol/check-strategy.ts';
import { satelliteMessageSchema } from '../../protocol/satellite-protocol.ts';
import { runCheck, type CheckOutcome } from '../../satellite/checks/run-check.ts';
import { resultFrame } from '../../satellite/result-frame.ts';

// The agent's check strategies against real servers this file starts: HTTPS (self-signed), plain
// HTTP, TLS with a certificate that expires in 3 days, a DNS server (UDP, dns-packet), a closed
// port and a server that never answers. Certificates are made with the openssl CLI at start.

const folder = mkdtempSync(join(tmpdir(), 'vigil-check-strategies-'));
const servers: Array<Server | UdpSocket> = [];
let httpsPort = 0;
let httpPort = 0;
let tlsPort = 0;
let dnsPort = 0;
let silentPort = 0;
let closedPort = 0;
let silentDnsPort = 0;

/** A self-signed certificate for localhost and 127.0.0.1, valid `days` days from now. */
function certificate(name: string, days: number): { key: Buffer; cert: Buffer } {
  const key = join(folder, `${name}.key`);
  const cert = join(folder, `${name}.crt`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', String(days), '-subj', `/CN=localhost/O=Vigil ${name}`, '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
  return { key: readFileSync(key), cert: readFileSync(cert) };
}

const site: RequestListener = (request, response) => {
  const url = new URL(request.url!, 'http://x');
  const json = (status: number, body: unknown) => response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  switch (url.pathname) {
    case '/health':
      return json(200, { status: 'ok', checks: [{ name: 'db', ok: true }], version: 7 });
    case '/degraded':
      return response.writeHead(503).end('down for maintenance');
    case '/created':
      return response.writeHead(201).end('made');
    case '/redirect':
      return response.writeHead(302, { location: '/health' }).end();
    case '/loop':
      return response.writeHead(302, { location: '/loop' }).end();
    case '/elsewhere':
      return response.writeHead(307, { location: `http://127.0.0.1:${httpPort}/echo` }).end();
    case '/echo': {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk));
      request.on('end', () => json(200, { method: request.method, token: request.headers['x-token'] ?? null, authorization: request.headers.authorization ?? null, body }));
      return;
    }
    case '/gzip':
      return response.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' }).end(gzipSync(JSON.stringify({ status: 'ok', padding: 'x'.repeat(5000) })));
    case '/slow':
      // Answers after 60 ms (the server's delay: a run can only take longer).
      setTimeout(() => json(200, { status: 'ok' }), 60);
      return;
    case '/hang':
      return; // never answers
    default:
      return response.writeHead(404).end();
  }
};

const dnsRecords: Record<string, dnsPacket.Answer[]> = {
  'A shop.test': [
    { type: 'A', name: 'shop.test', ttl: 60, data: '10.0.0.1' },
    { type: 'A', name: 'shop.test', ttl: 60, data: '10.0.0.2' },
  ],
  'TXT shop.test': [
    { type: 'TXT', name: 'shop.test', ttl: 60, data: ['v=spf1 -all'] },
    { type: 'TXT', name: 'shop.test', ttl: 60, data: ['hello ', 'world'] },
  ],
  'MX shop.test': [
    { type: 'MX', name: 'shop.test', ttl: 60, data: { preference: 10, exchange: 'mail.shop.test' } },
    { type: 'MX', name: 'shop.test', ttl: 60, data: { preference: 20, exchange: 'backup.shop.test' } },
  ],
};
const SERVFAIL = 2;
const NXDOMAIN = 3;

async function listen(server: Server): Promise<number> {
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

async function udp(answer: (query: dnsPacket.DecodedPacket) => dnsPacket.Packet | undefined): Promise<number> {
  const socket = createSocket('udp4');
  servers.push(socket);
  socket.on('message', (message, from) => {
    const query = dnsPacket.decode(message);
    const reply = answer(query);
    if (reply) socket.send(dnsPacket.encode({ id: query.id, type: 'response', questions: query.questions, ...reply }), from.port, from.address);
  });
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  return socket.address().port;
}

beforeAll(async () => {
  const longLived = certificate('site', 30);
  const expiring = certificate('expiring', 3);
  httpsPort = await listen(createHttpsServer(longLived, site));
  httpPort = await listen(createHttpServer(site));
  tlsPort = await listen(createTlsServer(expiring, (socket) => socket.end()));
  silentPort = await listen(createTcpServer(() => {}));
  const closed = createTcpServer();
  closedPort = await listen(closed);
  closed.close();
  servers.splice(servers.indexOf(closed), 1);
  dnsPort = await udp((query) => {
    const question = query.questions![0]!;
    if (question.name === 'fail.test') return { flags: dnsPacket.RECURSION_AVAILABLE | SERVFAIL };
    const answers = dnsRecords[`${question.type} ${question.name}`];
    if (answers) return { flags: dnsPacket.AUTHORITATIVE_ANSWER, answers };
    return { flags: dnsPacket.AUTHORITATIVE_ANSWER | (question.name === 'shop.test' ? 0 : NXDOMAIN) };
  });
  silentDnsPort = await udp(() => undefined);
});

afterAll(() => {
  for (const server of servers) server.close();
  rmSync(folder, { recursive: true, force: true });
});

/** Runs the check as the agent does (the strategy parsed as the entity stores it) and checks the result frame it would send. */
async function check(strategy: Record<string, unknown>): Promise<CheckOutcome> {
  const assignment = { checkId: 'c', systemId: 's', strategy: checkStrategySchema.parse(strategy), intervalMs: 60_000 };
  const outcome = await runCheck(assignment.strategy);
  const frame = resultFrame(assignment, outcome, Date.now());
  expect(satelliteMessageSchema.parse(frame)).toEqual(frame);
  expect(frame).toMatchObject({ detail: outcome.error?.message ?? '', timings: outcome.timings, measured: outcome.measured });
  expect(frame.error).toEqual(outcome.error);
  return outcome;
}

const https = (path: string, fields: Record<string, unknown> = {}) => check({ kind: 'http', url: `https://localhost:${httpsPort}${path}`, acceptInvalidCertificates: true, ...fields });

describe('http(s) checks', () => {
  it('passes on 2xx by default and reports each phase, the status and the certificate days left', async () => {
    const outcome = await https('/health');
    expect(outcome).toMatchObject({ status: 'up', detail: '', measured: { statusCode: 200, certificateDaysLeft: 29, address: '127.0.0.1' } });
    expect(outcome.error).toBeUndefined();
    const { dnsMs, connectMs, tlsMs, firstByteMs, totalMs } = outcome.timings;
    for (const phase of [dnsMs, connectMs, tlsMs, firstByteMs]) expect(phase).toBeGreaterThanOrEqual(0);
    expect(totalMs).toBeGreaterThanOrEqual(dnsMs! + connectMs! + tlsMs! + firstByteMs! - 1);
    expect(outcome.latencyMs).toBe(Math.round(totalMs!));
    expect((await https('/created')).status).toBe('up');
  });

  it('judges the status against a set of codes, classes and ranges (and the stored single-number form)', async () => {
    expect((await https('/degraded')).error).toEqual({ kind: 'status', message: 'HTTP 503, expected 2xx' });
    expect((await https('/degraded', { expectedStatus: [200, '500-503'] })).status).toBe('up');
    expect((await https('/degraded', { expectedStatus: '5xx' })).status).toBe('up');
    expect((await https('/created', { expectedStatus: 200 })).error).toMatchObject({ kind: 'status', message: 'HTTP 201, expected 200' });
  });

  it('refuses a self-signed certificate unless told to accept it, and fails when it expires too soon', async () => {
    const refused = await https('/health', { acceptInvalidCertificates: false });
    expect(refused.error).toMatchObject({ kind: 'tls', code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    expect(refused.measured.statusCode).toBeUndefined(); // nothing was sent
    const soon = await https('/health', { certificateMinDaysLeft: 60 });
    expect(soon.error).toMatchObject({ kind: 'tls', code: 'CERT_EXPIRES_SOON' });
    expect(soon.measured.certificateDaysLeft).toBe(29);
    expect((await https('/health', { certificateMinDaysLeft: 20 })).status).toBe('up');
  });

  it('asserts keywords and JSON paths on the body', async () => {
    expect((await https('/health', { bodyContains: '"status":"ok"', bodyNotContains: 'error' })).status).toBe('up');
    expect((await https('/health', { bodyContains: 'maintenance' })).error).toEqual({ kind: 'assertion', message: 'the body does not contain "maintenance"' });
    expect((await https('/degraded', { expectedStatus: 503, bodyNotContains: 'maintenance' })).error).toMatchObject({ kind: 'assertion' });
    const json = await https('/health', { jsonAssertions: [{ path: '$.status', equals: 'ok' }, { path: '$.checks[0].ok', equals: true }, { path: '$.version' }] });
    expect(json).toMatchObject({ status: 'up', measured: { bodyBytes: expect.any(Number) } });
    expect((await https('/health', { jsonAssertions: [{ path: "$['version']", equals: '7' }] })).error).toEqual({ kind: 'assertion', message: `$['version'] is 7, expected "7"` });
    expect((await https('/health', { jsonAssertions: [{ path: '$.checks[3]' }] })).error).toMatchObject({ kind: 'assertion', message: '$.checks[3] is not in the body' });
    expect((await https('/degraded', { expectedStatus: 503, jsonAssertions: [{ path: '$.status' }] })).error?.message).toMatch(/^the body is not JSON/);
    // A compressed body is decoded before it is searched.
    expect(await https('/gzip', { headers: { 'Accept-Encoding': 'gzip' }, bodyContains: 'xxxx', jsonAssertions: [{ path: '$.status', equals: 'ok' }] })).toMatchObject({ status: 'up', measured: { bodyBytes: expect.any(Number) } });
  });

  it('follows redirects only when asked, up to maxRedirects, and keeps credentials to the first origin', async () => {
    expect((await https('/redirect')).error?.message).toBe('HTTP 302, expected 2xx (redirects are not followed: set followRedirects)');
    expect(await https('/redirect', { followRedirects: true })).toMatchObject({ status: 'up', measured: { statusCode: 200, redirects: 1, finalUrl: `https://localhost:${httpsPort}/health` } });
    expect((await https('/loop', { followRedirects: true, maxRedirects: 3 })).error).toMatchObject({ kind: 'status', code: 'TOO_MANY_REDIRECTS' });
    // Secrets from the satellite's environment: sent to the check's origin, not to another one.
    process.env.VIGIL_TEST_CHECK_TOKEN = 's3cret';
    try {
      const headers = { 'X-Token': '${env:VIGIL_TEST_CHECK_TOKEN}', Authorization: 'Bearer abc' };
      const direct = await https('/echo', { method: 'POST', body: 'ping ${env:VIGIL_TEST_CHECK_TOKEN}', headers, jsonAssertions: [{ path: '$.token', equals: 's3cret' }, { path: '$.authorization', equals: 'Bearer abc' }, { path: '$.body', equals: 'ping s3cret' }] });
      expect(direct.status, direct.detail).toBe('up');
      const redirected = await https('/elsewhere', { followRedirects: true, headers, jsonAssertions: [{ path: '$.token', equals: null }, { path: '$.authorization', equals: null }] });
      expect(redirected.status, redirected.detail).toBe('up');
      const missing = await https('/echo', { headers: { 'X-Token': '${env:VIGIL_TEST_NOT_SET}' } });
      expect(missing.error).toMatchObject({ kind: 'internal', code: 'ENV_NOT_SET' });
      process.env.VIGIL_TEST_CHECK_TOKEN = 'a\r\nInjected: yes';
      expect((await https('/echo', { headers })).error).toMatchObject({ kind: 'internal', code: 'ENV_INVALID' });
    } finally {
      delete process.env.VIGIL_TEST_CHECK_TOKEN;
    }
  });

  it('fails the response-time limit as an assertion, and a server that never answers as a timeout', async () => {
    const slow = await check({ kind: 'http', url: `http://127.0.0.1:${httpPort}/slow`, maxResponseTimeMs: 30, bodyContains: 'ok' });
    expect(slow.error).toMatchObject({ kind: 'assertion', code: 'TOO_SLOW', message: expect.stringMatching(/^took \d+ ms, more than the 30 ms allowed$/) });
    expect(slow.timings.firstByteMs).toBeGreaterThanOrEqual(59);
    const hang = await check({ kind: 'http', url: `http://127.0.0.1:${httpPort}/hang`, timeoutMs: 300 });
    expect(hang.error).toEqual({ kind: 'timeout', message: 'no answer within 300 ms (waiting for the response)' });
    expect(hang.timings.connectMs).toBeGreaterThanOrEqual(0);
    expect(hang.timings.dnsMs).toBeUndefined(); // an IP address: nothing to resolve
  });

  it('names the phase of a failed connection: refused, name not found', async () => {
    expect((await check({ kind: 'http', url: `http://127.0.0.1:${closedPort}/` })).error).toMatchObject({ kind: 'connect', code: 'ECONNREFUSED' });
    expect((await check({ kind: 'http', url: 'http://no-such-host.invalid/' })).error).toMatchObject({ kind: 'dns', code: 'ENOTFOUND' });
  });
});

describe('tcp checks', () => {
  it('connects, and reports a refused port and a silent one precisely', async () => {
    const open = await check({ kind: 'tcp', host: '127.0.0.1', port: silentPort });
    expect(open).toMatchObject({ status: 'up', measured: { address: '127.0.0.1' } });
    expect(open.timings.connectMs).toBeGreaterThanOrEqual(0);
    expect((await check({ kind: 'tcp', host: 'localhost', port: silentPort })).timings.dnsMs).toBeGreaterThanOrEqual(0);
    const refused = await check({ kind: 'tcp', host: '127.0.0.1', port: closedPort });
    expect(refused.error).toEqual({ kind: 'connect', code: 'ECONNREFUSED', message: `connect ECONNREFUSED 127.0.0.1:${closedPort}` });
  });
});

describe('tls certificate checks', () => {
  const tls = (fields: Record<string, unknown>) => check({ kind: 'tls', host: '127.0.0.1', port: tlsPort, ...fields });

  it('fails a certificate expiring in 3 days when 7 are required, passes when 1 is, and always reports it', async () => {
    const soon = await tls({ certificateMinDaysLeft: 7, acceptInvalidCertificates: true });
    expect(soon.error).toMatchObject({ kind: 'tls', code: 'CERT_EXPIRES_SOON' });
    expect(soon.measured.certificateDaysLeft).toBeGreaterThanOrEqual(2);
    expect(soon.measured.certificateDaysLeft).toBeLessThanOrEqual(3);
    expect(soon.measured).toMatchObject({ certificateSubject: expect.stringContaining('CN=localhost'), certificateIssuer: expect.stringContaining('O=Vigil expiring'), tlsProtocol: expect.stringMatching(/^TLSv1\.[23]$/) });
    expect(new Date(soon.measured.certificateValidTo as string).getTime()).toBeGreaterThan(Date.now() + 2 * 86_400_000);
    const fine = await tls({ certificateMinDaysLeft: 1, acceptInvalidCertificates: true });
    expect(fine.status, fine.detail).toBe('up');
    expect(Object.keys(fine.timings).sort()).toEqual(['connectMs', 'tlsMs', 'totalMs']);
  });

  it('refuses a certificate that does not verify, naming the reason, unless accepted', async () => {
    const selfSigned = await tls({ certificateMinDaysLeft: 1 });
    expect(selfSigned.error).toMatchObject({ kind: 'tls', code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    expect(selfSigned.measured.certificateDaysLeft).toBeGreaterThanOrEqual(2);
    expect((await check({ kind: 'tls', host: '127.0.0.1', port: closedPort })).error).toMatchObject({ kind: 'connect', code: 'ECONNREFUSED' });
    // A TLS client speaking to a server that never answers the handshake.
    expect((await check({ kind: 'tls', host: '127.0.0.1', port: silentPort, timeoutMs: 300 })).error).toEqual({ kind: 'timeout', message: 'no answer within 300 ms (in the TLS handshake)' });
  });
});

describe('dns checks', () => {
  const dns = (fields: Record<string, unknown>) => check({ kind: 'dns', name: 'shop.test', resolver: `127.0.0.1:${dnsPort}`, ...fields });

  it('resolves A, TXT and MX records and compares them with the expected answers (contains or exact)', async () => {
    const a = await dns({});
    expect(a).toMatchObject({ status: 'up', measured: { answerCount: 2, answers: '10.0.0.1, 10.0.0.2', resolver: `127.0.0.1:${dnsPort}` } });
    expect(a.timings.dnsMs).toBeGreaterThanOrEqual(0);
    expect((await dns({ expectedAnswers: ['10.0.0.2'] })).status).toBe('up');
    const exact = await dns({ expectedAnswers: ['10.0.0.2'], match: 'exact' });
    expect(exact.error).toEqual({ kind: 'dns', code: 'UNEXPECTED_ANSWER', message: 'A shop.test: unexpected 10.0.0.1 (got 10.0.0.1, 10.0.0.2)' });
    expect((await dns({ expectedAnswers: ['10.0.0.9'] })).error?.message).toBe('A shop.test: missing 10.0.0.9 (got 10.0.0.1, 10.0.0.2)');
    expect((await dns({ recordType: 'TXT', expectedAnswers: ['hello world', 'v=spf1 -all'], match: 'exact' })).status).toBe('up');
    const mx = await dns({ recordType: 'MX', expectedAnswers: ['10 MAIL.shop.test.', '20 backup.shop.test'], match: 'exact' });
    expect(mx, mx.detail).toMatchObject({ status: 'up', measured: { answers: '10 mail.shop.test, 20 backup.shop.test' } });
  });

  it('reports what the resolver said: no such name, no records, a server failure, no answer at all', async () => {
    expect((await dns({ name: 'nothing.test' })).error).toMatchObject({ kind: 'dns', code: 'ENOTFOUND' });
    expect((await dns({ recordType: 'AAAA' })).error).toMatchObject({ kind: 'dns', code: 'ENODATA' });
    expect((await dns({ name: 'fail.test' })).error).toMatchObject({ kind: 'dns', code: 'ESERVFAIL' });
    const silent = await check({ kind: 'dns', name: 'shop.test', resolver: `127.0.0.1:${silentDnsPort}`, timeoutMs: 300 });
    expect(silent.error?.kind).toBe('timeout');
  });
});
