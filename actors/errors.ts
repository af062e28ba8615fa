import { escapeUnstorable } from '../machines/index.ts';
import type { PersistenceError } from '../persistence/index.ts';

/**
 * Errors of the entity runtime. Each has a stable `code` (also the `error.code` of a NATS
 * command reply, see docs/PROTOCOL.md) and is built by a named factory.
 */
export type RuntimeErrorCode =
  | 'UNKNOWN_KIND'
  | 'INVALID_ID'
  | 'INVALID_EVENT'
  | 'EVENT_NOT_ALLOWED'
  | 'MACHINE_FAILED'
  | 'VERSION_CONFLICT'
  | 'NOT_OWNER'
  | 'TIMEOUT'
  | 'DEADLINE_EXCEEDED'
  | 'UNAVAILABLE'
  | 'STOPPING';

export class RuntimeError extends Error {
  private constructor(
    readonly code: RuntimeErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'RuntimeError';
  }

  static unknownKind(kind: string, known: readonly string[]): RuntimeError {
    return new RuntimeError('UNKNOWN_KIND', `unknown entity kind "${kind}" (known: ${known.join(', ')})`, { kind });
  }

  static invalidId(id: string, reason: string): RuntimeError {
    return new RuntimeError('INVALID_ID', `invalid entity id "${id}": ${reason}`, { id });
  }

  static invalidEvent(kind: string, issues: Array<{ path: PropertyKey[]; message: string }>): RuntimeError {
    const summary = issues.map((issue) => `${issue.path.map(String).join('.') || '(event)'}: ${issue.message}`).join('; ');
    return new RuntimeError('INVALID_EVENT', `invalid ${kind} event: ${summary}`, {
      issues: issues.map((issue) => ({ path: issue.path.map(String), message: issue.message })),
    });
  }

  /**
   * The database refused to store what this event produced (the storable-text checks of the
   * schemas should have caught it): nothing was committed, the entity is unchanged, and so were
   * the other entities of the same group commit. Code INVALID_EVENT: the same event fails again.
   */
  static unstorable(kind: string, id: string, type: string, cause: CommitRejectedError): RuntimeError {
    return new RuntimeError(
      'INVALID_EVENT',
      `${kind} ${id}: the database refused to store event "${type}" (${escapeUnstorable(cause.cause.message)}); nothing was committed`,
      { type, reason: cause.cause.code, ...(cause.cause.sqlState ? { sqlState: cause.cause.sqlState } : {}) },
      { cause },
    );
  }

  static internalEvent(kind: string, type: string): RuntimeError {
    return new RuntimeError('INVALID_EVENT', `${kind} event "${type}" is sent by the runtime only, not accepted as a command`, { type });
  }

  static eventNotAllowed(kind: string, id: string, type: string, stateValue: unknown): RuntimeError {
    return new RuntimeError('EVENT_NOT_ALLOWED', `${kind} ${id}: event "${type}" is not allowed in state ${JSON.stringify(stateValue)}`, {
      type,
      stateValue,
    });
  }

  static machineFailed(kind: string, id: string, type: string, cause: unknown): RuntimeError {
    return new RuntimeError('MACHINE_FAILED', `${kind} ${id}: the machine failed on event "${type}": ${(cause as Error)?.message ?? cause}`, { type }, { cause });
  }

  static versionConflict(kind: string, id: string, attempts: number): RuntimeError {
    return new RuntimeError('VERSION_CONFLICT', `${kind} ${id}: another writer kept committing first (${attempts} attempts)`);
  }

  static notOwner(kind: string, id: string, partition: number): RuntimeError {
    return new RuntimeError('NOT_OWNER', `${kind} ${id}: this node does not own partition ${partition} (any more); nothing was committed`, { partition });
  }

  /** An error another node answered with (forwarded command), kept with its code. */
  static fromReply(code: RuntimeErrorCode, message: string, details?: Record<string, unknown>): RuntimeError {
    return new RuntimeError(code, message, details);
  }

  static timeout(kind: string, id: string, ms: number): RuntimeError {
    return new RuntimeError('TIMEOUT', `${kind} ${id}: no commit within ${ms} ms (the command may still commit)`);
  }

  static deadlineExceeded(kind: string, id: string): RuntimeError {
    return new RuntimeError('DEADLINE_EXCEEDED', `${kind} ${id}: the command's Vigil-Deadline passed before it could run; nothing was committed`);
  }

  static unavailable(reason: string, cause?: unknown): RuntimeError {
    return new RuntimeError('UNAVAILABLE', reason, undefined, { cause });
  }

  static stopping(): RuntimeError {
    return new RuntimeError('STOPPING', 'the node is shutting down; send the command to another node');
  }
}

/** Thrown by the commit path when another writer committed this entity's next version first. */
export class VersionFencedError extends Error {
  constructor(readonly entityKey: string) {
    super(`version check failed for ${entityKey}`);
    this.name = 'VersionFencedError';
  }
}

/** Thrown by the commit path when this node no longer holds the epoch of the entity's partition. */
export class LeaseFencedError extends Error {
  constructor(readonly entityKey: string) {
    super(`partition lease check failed for ${entityKey}`);
    this.name = 'LeaseFencedError';
  }
}

/**
 * Thrown by the commit path when the database refused this entity's data (NUL or an unpaired
 * surrogate that reached storage, JSON nested too deep): nothing was written for it, and the
 * entities committed with it in the same group commit were committed without it.
 */
export class CommitRejectedError extends Error {
  constructor(
    readonly entityKey: string,
    override readonly cause: PersistenceError,
  ) {
    super(`the database refused the data of ${entityKey.replace('\u0000', ' ')}: ${cause.message}`, { cause });
    this.name = 'CommitRejectedError';
  }
}

/**
 * True when a dispatch was refused because the entity's state has no transition for the event
 * (`EVENT_NOT_ALLOWED`), whether it ran here or was forwarded to the owner node (then the error
 * is rebuilt from the reply: only its `code` is reliable).
 */
export function isEventNotAllowed(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'EVENT_NOT_ALLOWED';
}

/** A satellite credential operation refused (see `SatelliteAccess`). */
export class SatelliteAccessError extends Error {
  private constructor(
    readonly code: 'NO_SATELLITE',
    message: string,
  ) {
    super(message);
    this.name = 'SatelliteAccessError';
  }

  static noSatellite(satelliteId: string): SatelliteAccessError {
    return new SatelliteAccessError('NO_SATELLITE', `no satellite ${satelliteId} (it has no credential)`);
  }
}
