import type { PeerCertificate, TLSSocket } from 'node:tls';
import { CheckFailure } from './check-failure.ts';
import type { CheckRun } from './check-run.ts';

const DAY_MS = 86_400_000;

/** `CN=R11, O=Let's Encrypt, C=US`: a certificate's subject or issuer as people read it. */
function distinguishedName(name: PeerCertificate['subject'] | undefined): string {
  if (!name) return '';
  return Object.entries(name)
    .map(([field, value]) => `${field}=${Array.isArray(value) ? value.join('+') : String(value)}`)
    .join(', ');
}

export interface CertificateRules {
  /** Fewer whole days left fails the run with `tls`. */
  minDaysLeft?: number | undefined;
  /** Judge a certificate that does not verify (self-signed, other name, expired) by its expiry only. */
  acceptInvalid: boolean;
}

/**
 * Reports the peer certificate of `socket` in `run.measured` (`certificateDaysLeft`: whole days
 * until it expires, negative once expired; with `details`, also `certificateValidTo` (ISO 8601),
 * `certificateSubject`, `certificateIssuer`, `tlsProtocol`), then judges it: a certificate that
 * does not verify (unless accepted) or that expires in fewer than `minDaysLeft` days throws a `tls`
 * failure with the verification code (DEPTH_ZERO_SELF_SIGNED_CERT, CERT_HAS_EXPIRED,
 * ERR_TLS_CERT_ALTNAME_INVALID, …) or CERT_EXPIRES_SOON.
 */
export function judgeCertificate(run: CheckRun, socket: TLSSocket, target: string, rules: CertificateRules, details = false): void {
  const certificate = socket.getPeerCertificate();
  const validTo = certificate?.valid_to ? Date.parse(certificate.valid_to) : Number.NaN;
  if (Number.isNaN(validTo)) throw new CheckFailure('tls', `${target} sent no certificate`, 'NO_CERTIFICATE');
  const daysLeft = Math.floor((validTo - Date.now()) / DAY_MS);
  run.measure('certificateDaysLeft', daysLeft);
  if (details) {
    run.measure('certificateValidTo', new Date(validTo).toISOString());
    run.measure('certificateSubject', distinguishedName(certificate.subject));
    run.measure('certificateIssuer', distinguishedName(certificate.issuer));
    const protocol = socket.getProtocol();
    if (protocol) run.measure('tlsProtocol', protocol);
  }
  if (!socket.authorized && !rules.acceptInvalid) {
    const code = String(socket.authorizationError ?? 'CERT_NOT_TRUSTED');
    throw new CheckFailure('tls', `the certificate of ${target} is not valid: ${code}`, code);
  }
  if (rules.minDaysLeft !== undefined && daysLeft < rules.minDaysLeft) {
    const when = daysLeft < 0 ? `expired ${-daysLeft} days ago` : `expires in ${daysLeft} days`;
    throw new CheckFailure('tls', `the certificate of ${target} ${when} (${new Date(validTo).toISOString()}); at least ${rules.minDaysLeft} days are required`, 'CERT_EXPIRES_SOON');
  }
}
