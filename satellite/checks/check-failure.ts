import type { CheckErrorKind } from '../../protocol/check-result.ts';

/** Where a run was when it failed: decides the kind of an error whose code says nothing more. */
export type CheckPhase = 'dns' | 'connect' | 'tls' | 'request' | 'body';

/** A failure a strategy decided on (a status, an assertion, a certificate): reported as it is. */
export class CheckFailure extends Error {
  override readonly name = 'CheckFailure';

  constructor(
    readonly kind: CheckErrorKind,
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }

  static timeout(timeoutMs: number, phase: CheckPhase): CheckFailure {
    return new CheckFailure('timeout', `no answer within ${timeoutMs} ms (${PHASE_WORDS[phase]})`);
  }
}

const PHASE_WORDS: Record<CheckPhase, string> = {
  dns: 'resolving the name',
  connect: 'connecting',
  tls: 'in the TLS handshake',
  request: 'waiting for the response',
  body: 'reading the body',
};

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NODATA', 'EAI_NONAME', 'ENODATA', 'ESERVFAIL', 'EREFUSED', 'ENONAME', 'EBADRESP', 'EFORMERR', 'ENOTIMP', 'EBADNAME']);
const CONNECT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENETDOWN',
  'ETIMEDOUT',
  'EPIPE',
  'ECONNABORTED',
  'EADDRNOTAVAIL',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
]);
// OpenSSL's certificate verification codes and Node's TLS error codes.
const TLS_CODE = /^(?:ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|HOSTNAME_MISMATCH|INVALID_CA|INVALID_PURPOSE|PATH_LENGTH_EXCEEDED)/;

/**
 * The kind of a thrown error, by its system error code first (ENOTFOUND → `dns`, ECONNREFUSED →
 * `connect`, certificate codes → `tls`, HPE_* → `status`: the answer was not valid HTTP), else by
 * the phase it happened in. An error without a code, or with one of Node's ERR_* codes for misuse
 * (a bug, not the target), is `internal`.
 */
export function kindOfError(error: unknown, phase: CheckPhase): { kind: CheckErrorKind; code?: string } {
  if (error instanceof CheckFailure) return { kind: error.kind, ...(error.code ? { code: error.code } : {}) };
  const code = typeof (error as { code?: unknown })?.code === 'string' ? ((error as { code: string }).code) : undefined;
  if (code === undefined) return { kind: 'internal' };
  if (DNS_CODES.has(code)) return { kind: 'dns', code };
  if (CONNECT_CODES.has(code)) return { kind: 'connect', code };
  if (TLS_CODE.test(code)) return { kind: 'tls', code };
  if (code.startsWith('HPE_')) return { kind: 'status', code };
  // Node's own argument and state errors are the agent's (a bug), except a stream that broke under it.
  if (code.startsWith('ERR_') && !code.startsWith('ERR_STREAM_')) return { kind: 'internal', code };
  const byPhase: Record<CheckPhase, CheckErrorKind> = { dns: 'dns', connect: 'connect', tls: 'tls', request: 'connect', body: 'connect' };
  return { kind: byPhase[phase], code };
}
