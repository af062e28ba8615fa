import { z } from 'zod';

/** API roles, weakest first: each may do everything the ones before it may. */
export const roles = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof roles)[number];
export const roleSchema = z.enum(roles);

/** True when `role` is `needed` or stronger. */
export function roleAtLeast(role: Role, needed: Role): boolean {
  return roles.indexOf(role) >= roles.indexOf(needed);
}

/**
 * Who makes a request. Every change records it as `cause.actor` (see `actorOf`); nothing a client
 * sends can choose it.
 * - `token`: a person or service with an API token (HTTP `Authorization`, NATS command header);
 * - `automation`: an automation's effects, with the role of its `run_as` account;
 * - `satellite`: a satellite agent, through the gateway only;
 * - `node`: Vigil itself (timers, result ingest, engine bookkeeping, takeovers).
 */
export type Principal =
  | { type: 'token'; name: string; role: Role }
  | { type: 'automation'; id: string; runAs: string; role: Role }
  | { type: 'satellite'; id: string }
  | { type: 'node'; id: string };

/** The `cause.actor` text of a principal: `token:<name>`, `automation:<id>`, `satellite:<id>`, `node:<id>`. */
export function actorOf(principal: Principal): string {
  switch (principal.type) {
    case 'token':
      return `token:${principal.name}`;
    case 'automation':
      return `automation:${principal.id}`;
    case 'satellite':
      return `satellite:${principal.id}`;
    case 'node':
      return `node:${principal.id}`;
  }
}
