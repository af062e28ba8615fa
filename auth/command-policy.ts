import { AuthError } from './errors.ts';
import { actorOf, roleAtLeast, type Principal, type Role } from './principal.ts';

/**
 * The commands callers from outside may send, by kind. Kinds missing here (`health`, and the
 * automation bookkeeping kinds `automation_scope`, `automation_schedule`, `automation_dwell`,
 * `automation_window`) are written by Vigil only. Within a public kind, a list names the events a
 * caller may send; the others belong to Vigil's own paths (a satellite's `connect`, `heartbeat` and
 * `disconnect` come from the satellite gateway, a push check's `ping` from the push route, an
 * automation run's steps from the engine).
 */
const publicCommands: Readonly<Record<string, 'all' | readonly string[]>> = {
  system: 'all',
  group: 'all',
  incident: 'all',
  check: ['create', 'update', 'delete'],
  maintenance: 'all',
  automation: 'all',
  satellite: ['register', 'update', 'remove'],
  automation_run: ['cancel'],
};

/** Who sends the events of public kinds that callers may not send. */
const internalWriters: Readonly<Record<string, string>> = {
  satellite: 'the satellite gateway (the satellite itself, authenticated by its token)',
  check: 'the push route (POST /push/<token>, authenticated by the check\'s push token)',
  automation_run: 'the automation engine',
};

/** The role a caller needs to send commands. */
export const COMMAND_ROLE: Role = 'operator';

/**
 * Throws `AuthError` (FORBIDDEN) unless `principal` may send an event of `type` to a `kind`
 * entity. Nodes may send anything. API tokens and automations (with their `run_as` role) need
 * the operator role and a public command; satellites send nothing through this path (the gateway
 * speaks for them).
 */
export function authorizeCommand(principal: Principal, kind: string, type: string): void {
  if (principal.type === 'node') return;
  const allowed = publicCommands[kind];
  if (allowed === undefined) throw AuthError.internalKind(kind);
  if (allowed !== 'all' && !allowed.includes(type)) throw AuthError.internalEvent(kind, type, internalWriters[kind] ?? 'Vigil');
  if (principal.type === 'satellite') throw AuthError.notAllowed(actorOf(principal), `send ${kind} commands`);
  if (!roleAtLeast(principal.role, COMMAND_ROLE)) throw AuthError.roleTooLow(actorOf(principal), COMMAND_ROLE, `send ${kind} commands`);
}

/** Throws `AuthError` (FORBIDDEN) unless `principal` has at least `needed` (reads: viewer; tokens and cluster operations: admin). */
export function authorizeRole(principal: Principal, needed: Role, action: string): void {
  if (principal.type === 'node') return;
  if (principal.type === 'satellite' || !roleAtLeast(principal.role, needed)) {
    throw principal.type === 'satellite' ? AuthError.notAllowed(actorOf(principal), action) : AuthError.roleTooLow(actorOf(principal), needed, action);
  }
}
