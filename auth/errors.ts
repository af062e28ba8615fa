/**
 * Authentication and authorization failures. `code` is stable and appears as `error.code` in HTTP
 * error bodies (401 / 403) and NATS command replies (docs/PROTOCOL.md, "Error codes").
 */
export class AuthError extends Error {
  private constructor(
    readonly code: 'UNAUTHENTICATED' | 'FORBIDDEN',
    message: string,
  ) {
    super(message);
    this.name = 'AuthError';
  }

  static missingToken(): AuthError {
    return new AuthError('UNAUTHENTICATED', 'this request needs an API token: send "Authorization: Bearer <token>"');
  }

  static malformedHeader(): AuthError {
    return new AuthError('UNAUTHENTICATED', 'the Authorization header must be "Bearer <token>"');
  }

  /** One message for unknown, revoked and expired tokens: the answer does not tell which names exist. */
  static invalidToken(): AuthError {
    return new AuthError('UNAUTHENTICATED', 'the API token is not valid (unknown, revoked or expired)');
  }

  static roleTooLow(actor: string, needed: string, action: string): AuthError {
    return new AuthError('FORBIDDEN', `${actor} may not ${action}: it needs the ${needed} role`);
  }

  static internalKind(kind: string): AuthError {
    return new AuthError('FORBIDDEN', `${kind} entities are written by Vigil only; no caller may send them commands`);
  }

  static internalEvent(kind: string, type: string, writer: string): AuthError {
    return new AuthError('FORBIDDEN', `${kind} event "${type}" is sent by ${writer} only`);
  }

  static notAllowed(actor: string, action: string): AuthError {
    return new AuthError('FORBIDDEN', `${actor} may not ${action}`);
  }
}
