import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';

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
