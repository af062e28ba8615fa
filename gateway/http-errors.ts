import type { Logger } from 'pino';
import type * as z from 'zod';
import { RuntimeError } from '../actors/index.ts';
import { AuthError, TokenAdminError } from '../auth/index.ts';
import { PersistenceError } from '../persistence/index.ts';
import type { SafeResponse } from './http-response.ts';

/** HTTP status of each error code (docs/PROTOCOL.md, "Error codes"). */
export const statusOf: Record<string, number> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  UNKNOWN_KIND: 404,
  INVALID_ID: 400,
  INVALID_EVENT: 400,
  INVALID_REQUEST: 400,
  CONFLICT: 409,
  EVENT_NOT_ALLOWED: 409,
  RATE_LIMITED: 429,
  MACHINE_FAILED: 500,
  VERSION_CONFLICT: 409,
  NOT_OWNER: 503,
  TIMEOUT: 504,
  DEADLINE_EXCEEDED: 504,
  UNAVAILABLE: 503,
  STOPPING: 503,
};

/** A request the HTTP layer itself refuses (bad body, unknown name), with a stable code. */
export class HttpRequestError extends Error {
  constructor(
    readonly code: 'INVALID_REQUEST' | 'INVALID_EVENT' | 'NOT_FOUND' | 'CONFLICT' | 'RATE_LIMITED',
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'HttpRequestError';
  }
}

/**
 * A request part refused by its zod schema, as a 400 naming each bad field: `where` is `query`,
 * `path`, `header` or `body` (the body's fields are named without a prefix).
 */
export function invalidRequest(error: z.ZodError, where: 'query' | 'path' | 'header' | 'body', code: 'INVALID_REQUEST' | 'INVALID_EVENT' = 'INVALID_REQUEST'): HttpRequestError {
  const issues = error.issues.map((issue) => ({
    path: issue.path.map(String),
    message: issue.code === 'unrecognized_keys' ? `unknown ${where === 'body' ? 'field' : `${where} parameter`} ${issue.keys.map((key) => `"${key.slice(0, 80)}"`).join(', ')}` : issue.message,
  }));
  const name = (path: string[]) => (where === 'body' ? path.join('.') || '(body)' : path.length > 0 ? `${where} parameter ${path.join('.')}` : where);
  return new HttpRequestError(code, issues.map((issue) => `${name(issue.path)}: ${issue.message}`).join('; '), { issues });
}

/** Answers `error` with its documented status and body `{ error: { code, message, details? } }`; anything unexpected is logged and answered 500. */
export function answerError(response: SafeResponse, log: Logger, error: unknown): void {
  if (error instanceof AuthError) {
    const headers: Record<string, string> = error.code === 'UNAUTHENTICATED' ? { 'www-authenticate': 'Bearer realm="vigil"' } : {};
    return response.json(statusOf[error.code]!, { error: { code: error.code, message: error.message } }, headers);
  }
  if (error instanceof HttpRequestError && error.code === 'RATE_LIMITED') {
    const retryAfter = Number(error.details?.retryAfterSeconds ?? 1);
    return response.json(429, { error: { code: error.code, message: error.message } }, { 'retry-after': String(retryAfter) });
  }
  if (error instanceof RuntimeError || error instanceof HttpRequestError || error instanceof TokenAdminError) {
    return response.json(statusOf[error.code] ?? 500, { error: { code: error.code, message: error.message, ...('details' in error && error.details ? { details: error.details } : {}) } });
  }
  if (error instanceof PersistenceError) {
    return response.json(503, { error: { code: 'UNAVAILABLE', message: 'the database is not reachable; nothing was changed' } });
  }
  log.error({ err: error }, 'http request failed');
  response.json(500, { error: { code: 'INTERNAL', message: 'internal error; see the node log' } });
}
