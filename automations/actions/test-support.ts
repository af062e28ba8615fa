import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import type { ActionContext } from './action-provider.ts';

/** One request as a webhook receiver got it: the raw body and every header line as sent. */
export interface ReceivedRequest {
  method: string;
  /** Path and query exactly as sent (already percent-encoded by the sender's URL parser). */
  url: string;
  headers: IncomingHttpHeaders;
  /** Alternating names and values, one pair per header line received. */
  rawHeaders: string[];
  body: string;
}

export interface WebhookReceiver {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  readonly received: ReceivedRequest[];
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1 that records each request and answers with `answer` (default 200, empty body). */
export async function startWebhookReceiver(answer: (request: ReceivedRequest, index: number) => { status?: number; body?: string } = () => ({})): Promise<WebhookReceiver> {
  const received: ReceivedRequest[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const got: ReceivedRequest = { method: request.method ?? '', url: request.url ?? '', headers: request.headers, rawHeaders: request.rawHeaders, body: Buffer.concat(chunks).toString('utf8') };
      received.push(got);
      const { status = 200, body = '' } = answer(got, received.length - 1);
      response.writeHead(status, { 'content-type': 'text/plain' });
      response.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Every value received for header `name` (any case), one per header line. */
export function headerLines(request: ReceivedRequest, name: string): string[] {
  const values: string[] = [];
  for (let index = 0; index < request.rawHeaders.length; index += 2) {
    if (request.rawHeaders[index]!.toLowerCase() === name.toLowerCase()) values.push(request.rawHeaders[index + 1]!);
  }
  return values;
}

/** An action context for calling an action directly (no cluster): entities are absent, the log is dropped. */
export function directActionContext(overrides: Partial<ActionContext> = {}): ActionContext {
  const ignore = () => {};
  return {
    runId: 'auto-1:r1',
    automationId: 'auto-1',
    idempotencyKey: 'auto-1:r1:actions[0]',
    artifacts: {},
    dispatch: async () => null,
    read: async () => null,
    latestId: async () => null,
    log: { debug: ignore, info: ignore, warn: ignore, error: ignore },
    maskSecrets: (text) => text,
    signal: new AbortController().signal,
    ...overrides,
  };
}

/** A self-signed certificate for `localhost` and 127.0.0.1, made now by the `openssl` CLI (EC P-256: fast to generate). */
export function testCertificate(): { key: string; cert: string } {
  const folder = mkdtempSync(join(tmpdir(), 'vigil-tls-'));
  try {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(folder, 'key.pem'), '-out', join(folder, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'],
      { stdio: 'ignore' },
    );
    return { key: readFileSync(join(folder, 'key.pem'), 'utf8'), cert: readFileSync(join(folder, 'cert.pem'), 'utf8') };
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/** A message as the SMTP server received it. */
export interface ReceivedMail {
  from: string;
  to: string[];
  /** Who logged in, null without AUTH. */
  user: string | null;
  /** Whether the session was encrypted (STARTTLS or implicit TLS) when the message came. */
  secure: boolean;
  /** The raw message (headers and body). */
  raw: string;
}

export interface TestSmtpServer {
  port: number;
  readonly received: ReceivedMail[];
  close(): Promise<void>;
}

/**
 * A real SMTP server (smtp-server) on 127.0.0.1: `mode` `starttls` offers STARTTLS with `tls`'s
 * certificate, `tls` speaks TLS from the first byte, `plain` offers no TLS at all. It accepts the
 * login `credentials` only (AUTH only over TLS) and records every message.
 */
export async function startSmtpServer(options: { mode: 'starttls' | 'tls' | 'plain'; tls: { key: string; cert: string }; credentials?: { username: string; password: string } }): Promise<TestSmtpServer> {
  const received: ReceivedMail[] = [];
  const server = new SMTPServer({
    secure: options.mode === 'tls',
    ...(options.mode === 'plain' ? { disabledCommands: ['STARTTLS', 'AUTH'] } : { key: options.tls.key, cert: options.tls.cert }),
    authOptional: options.credentials === undefined,
    disableReverseLookup: true,
    logger: false,
    onAuth(auth, _session, callback) {
      const { credentials } = options;
      if (credentials && auth.username === credentials.username && auth.password === credentials.password) callback(null, { user: auth.username });
      else callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((recipient) => recipient.address),
          user: typeof session.user === 'string' ? session.user : null,
          secure: session.secure,
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = ((server as unknown as { server: { address(): AddressInfo } }).server.address()).port;
  return { port, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
