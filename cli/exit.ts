// How a `vigil` command ends: its exit code and the one line on stderr that says why. Tiny on
// purpose: cli/main.ts imports it before knowing which command runs.

/** The exit codes of `vigil` (docs/OPERATIONS.md, "Exit codes"). */
export const ExitCode = {
  /** Done. */
  ok: 0,
  /** The command ran and failed: the node refused it, could not be reached, or a step failed. */
  failed: 1,
  /** Bad usage or configuration: nothing was attempted; the message says what to fix. */
  usage: 2,
} as const;

/**
 * A mistake in the command line the parser cannot see (a value of the wrong shape, options that
 * exclude each other, an unreadable file): exit code 2 with `message`, never a stack trace.
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

let debug = false;

/** `--debug` or `VIGIL_DEBUG=1`: failures also print their stack trace (and its causes). */
export function enableDebug(): void {
  debug = true;
}

export function debugEnabled(): boolean {
  return debug;
}

/** Prints why the command failed (one line; with --debug, the stack too); exit code 1. */
export function fail(reason: string | Error): number {
  if (debug && reason instanceof Error) printStack(reason);
  else console.error(`vigil: ${typeof reason === 'string' ? reason : reason.message}`);
  return ExitCode.failed;
}

/** The stack of `error` and of each of its causes, on stderr. */
export function printStack(error: Error): void {
  for (let current: unknown = error; current instanceof Error; current = current.cause) {
    console.error(current === error ? current.stack : `caused by: ${current.stack}`);
  }
}
