import type { TlsStrategy } from '../../protocol/check-strategy.ts';
import { judgeCertificate } from './certificate.ts';
import { CheckRun, type CheckOutcome } from './check-run.ts';
import { openTcp, startTls } from './connection.ts';

/**
 * A TLS handshake with `host:port` (nothing sent after it), then the certificate judged: it must
 * verify for `servername` (or `host`) unless `acceptInvalidCertificates`, and have at least
 * `certificateMinDaysLeft` whole days left. Its days left, expiry, subject and issuer are reported
 * either way (timings `dnsMs`, `connectMs`, `tlsMs`).
 */
export async function runTlsCheck(strategy: TlsStrategy): Promise<CheckOutcome> {
  const run = new CheckRun(strategy.timeoutMs);
  try {
    const socket = await openTcp(run, strategy.host, strategy.port);
    const secure = await startTls(run, socket, { host: strategy.host, ...(strategy.servername ? { servername: strategy.servername } : {}) });
    const target = `${strategy.servername ?? strategy.host}:${strategy.port}`;
    judgeCertificate(run, secure, target, { minDaysLeft: strategy.certificateMinDaysLeft, acceptInvalid: strategy.acceptInvalidCertificates }, true);
    return run.up();
  } catch (error) {
    return run.down(error);
  }
}
