import { parseSatelliteToken } from '../protocol/satellite-protocol.ts';
import type { SetupFile } from './setup-file.ts';

/** Where a setup is applied: the in-process runtime of a node, or the cluster over NATS (CLI). */
export interface SetupTarget {
  /** The entity's reactive state, or null when it does not exist (never created, or deleted). */
  read(kind: string, id: string): Promise<Record<string, unknown> | null>;
  /** Sends an event; resolves with the change or null when nothing changed; rejects with an error that has a `code`. */
  send(kind: string, id: string, event: Record<string, unknown>): Promise<unknown>;
  /** Installs a satellite secret; resolves false when it already was the satellite's credential. */
  installToken(satelliteId: string, secret: string): Promise<boolean>;
  /** Whether the satellite has any credential. */
  hasToken(satelliteId: string): Promise<boolean>;
}

export type SetupOutcome = 'created' | 'updated' | 'unchanged' | 'failed';
export interface SetupEntryReport {
  kind: 'group' | 'system' | 'satellite' | 'check' | 'maintenance';
  id: string;
  outcome: SetupOutcome;
  detail?: string;
}

const codeOf = (error: unknown) => (error as { code?: string })?.code;
const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Applies a setup: groups, then systems, satellites, checks and maintenances (so references
 * exist first). An entity that does not exist is created from its declaration; one that exists
 * gets an `update` with every declared field (the declaration wins; an equal state is not
 * written). Safe to run again and from several nodes at once: a create that lost a race is
 * retried as an update.
 * One entry failing (e.g. a deleted id, which is never reused) does not stop the others.
 */
export async function applySetup(setup: SetupFile, target: SetupTarget, env: NodeJS.ProcessEnv = process.env): Promise<SetupEntryReport[]> {
  const report: SetupEntryReport[] = [];
  const upsert = async (kind: SetupEntryReport['kind'], id: string, create: Record<string, unknown>, update: Record<string, unknown>, check?: (state: Record<string, unknown>) => string | undefined) => {
    try {
      const state = await target.read(kind, id);
      if (state === null) {
        try {
          await target.send(kind, id, create);
          return report.push({ kind, id, outcome: 'created' });
        } catch (error) {
          // Another node created it a moment ago, or it was deleted (then the update fails too).
          if (codeOf(error) !== 'EVENT_NOT_ALLOWED') throw error;
        }
      } else {
        const problem = check?.(state);
        if (problem) return report.push({ kind, id, outcome: 'failed', detail: problem });
      }
      const change = await target.send(kind, id, update);
      report.push({ kind, id, outcome: change ? 'updated' : 'unchanged' });
    } catch (error) {
      const detail = codeOf(error) === 'EVENT_NOT_ALLOWED' ? `${kind} ${id} was deleted or removed; ids are never reused` : messageOf(error);
      report.push({ kind, id, outcome: 'failed', detail });
    }
  };

  for (const { id, ...fields } of setup.groups) await upsert('group', id, { type: 'create', ...fields }, { type: 'update', ...fields });
  for (const { id, ...fields } of setup.systems) await upsert('system', id, { type: 'create', ...fields }, { type: 'update', ...fields });
  for (const { id, tokenEnv, ...fields } of setup.satellites) {
    await upsert('satellite', id, { type: 'register', ...fields }, { type: 'update', ...fields });
    await installToken(id, tokenEnv, target, env, report);
  }
  for (const { id, systemId, ...fields } of setup.checks) {
    await upsert('check', id, { type: 'create', systemId, ...fields }, { type: 'update', ...fields }, (state) =>
      state.systemId === systemId ? undefined : `check ${id} belongs to system ${String(state.systemId)}, not ${systemId}; a check cannot move: give it a new id`,
    );
  }
  // Repeating a maintenance's schedule changes no window, so applying again never revives a cancelled one.
  for (const { id, ...fields } of setup.maintenances) await upsert('maintenance', id, { type: 'create', ...fields }, { type: 'update', ...fields });
  return report;
}

async function installToken(id: string, tokenEnv: string | undefined, target: SetupTarget, env: NodeJS.ProcessEnv, report: SetupEntryReport[]): Promise<void> {
  const entry = report.at(-1)!;
  if (entry.outcome === 'failed') return;
  if (tokenEnv === undefined) {
    if (!(await target.hasToken(id))) entry.detail = `no token yet: run "vigil satellite rotate-token ${id}" (or set tokenEnv)`;
    return;
  }
  const token = parseSatelliteToken(`Bearer ${env[tokenEnv] ?? ''}`);
  if (!token || token.satelliteId !== id) {
    entry.outcome = 'failed';
    entry.detail = `${tokenEnv} must hold this satellite's token, "${id}.<secret>" (secret: 20-200 characters of A-Z a-z 0-9 _ -)`;
    return;
  }
  if (await target.installToken(id, token.secret)) {
    entry.detail = `token installed from ${tokenEnv}`;
    if (entry.outcome === 'unchanged') entry.outcome = 'updated';
  }
}
