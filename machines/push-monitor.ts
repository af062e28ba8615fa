import { z } from 'zod';
import type { CheckError } from '../protocol/check-result.ts';
import { truncateText } from '../protocol/storable-text.ts';
import type { PushStrategy } from '../protocol/check-strategy.ts';
import type { EntityChange } from './entity-change.ts';

/**
 * The pure side of push (heartbeat) monitors: what a push check remembers between pings, how a
 * ping, a missed deadline and a changed period move it, and which check results a committed
 * change of it stands for. No clock: every time arrives as an argument (an event's `at`).
 *
 * One deadline at a time: `dueAt` is `period + grace` after the last ping (or after the check
 * became a push check), then one period after each miss. Each missed deadline is one failure,
 * so consecutive misses walk the check's health through degraded and unhealthy. A deadline is
 * missed only once the clock reached it, never earlier; when the timer fires late (the cluster
 * was down) one miss is recorded for the deadline and the next one is planned after the firing,
 * so an outage of Vigil itself does not count as many misses (like a maintenance window missed
 * entirely). A ping that arrives after its deadline but before the timer fired records that miss
 * first, so the result does not depend on how quickly the timer fired.
 */

export const pushPingStatusSchema = z.enum(['up', 'down']);
export type PushPingStatus = z.infer<typeof pushPingStatusSchema>;

/** Characters of a ping's message kept (in the check's state and the health result). */
export const PUSH_MESSAGE_LIMIT = 1_000;

export const pushMonitorSchema = z.object({
  /** Epoch ms the current wait started: the last ping, or when the check became a push check. */
  since: z.number().int().nonnegative(),
  /** Epoch ms of the current deadline; the durable timer `push` fires at it. */
  dueAt: z.number().int().nonnegative(),
  /** Deadlines missed in a row since `since`. */
  misses: z.number().int().nonnegative(),
  /** The last ping, null before the first. */
  lastPing: z.object({ at: z.number().int().nonnegative(), status: pushPingStatusSchema, message: z.string().nullable() }).nullable(),
  /** The deadline of the last miss recorded, null before the first. */
  lastMissAt: z.number().int().nonnegative().nullable(),
});
export type PushMonitor = z.infer<typeof pushMonitorSchema>;

/** The monitor of a check that became a push check at `at`: its first deadline is a period plus grace away. */
export function startPushMonitor(strategy: PushStrategy, at: number): PushMonitor {
  return { since: at, dueAt: at + strategy.periodMs + strategy.graceMs, misses: 0, lastPing: null, lastMissAt: null };
}

/** Records the miss of the current deadline, at `at` (≥ it), and plans the next deadline after `at`. */
function recordMiss(monitor: PushMonitor, strategy: PushStrategy, at: number): PushMonitor {
  const missed = monitor.dueAt;
  // The next period's deadline; past ones (the timer fired late) are skipped, not counted.
  const periods = Math.floor((at - missed) / strategy.periodMs) + 1;
  return { ...monitor, misses: monitor.misses + 1, lastMissAt: missed, dueAt: missed + periods * strategy.periodMs };
}

/** A ping at `at`: the wait starts again from it (a late ping first records the miss it is late for). */
export function pingPushMonitor(monitor: PushMonitor, strategy: PushStrategy, ping: { at: number; status: PushPingStatus; message?: string | undefined }): PushMonitor {
  const current = ping.at > monitor.dueAt ? recordMiss(monitor, strategy, ping.at) : monitor;
  return {
    ...current,
    since: ping.at,
    dueAt: ping.at + strategy.periodMs + strategy.graceMs,
    misses: 0,
    lastPing: { at: ping.at, status: ping.status, message: ping.message === undefined ? null : truncateText(ping.message, PUSH_MESSAGE_LIMIT) },
  };
}

/**
 * The timer fired for `dueAt` at `at`: the miss, or null when that is not the current deadline
 * (a stale or repeated firing) or `at` is before it (never early).
 */
export function pushDeadlinePassed(monitor: PushMonitor, strategy: PushStrategy, due: { dueAt: number; at: number }): PushMonitor | null {
  if (due.dueAt !== monitor.dueAt || due.at < monitor.dueAt) return null;
  return recordMiss(monitor, strategy, due.at);
}

/** The period or grace changed: the current deadline is planned again from the same start, with the new values. */
export function retunePushMonitor(monitor: PushMonitor, strategy: PushStrategy): PushMonitor {
  const dueAt = monitor.misses === 0 || monitor.lastMissAt === null ? monitor.since + strategy.periodMs + strategy.graceMs : monitor.lastMissAt + strategy.periodMs;
  return { ...monitor, dueAt };
}

/** The source of push results in a system's health (`<checkId>@push`). */
export const PUSH_RESULT_SOURCE = 'push';

/** A check result a push monitor produced: a ping, or a missed deadline. */
export interface PushResult {
  checkId: string;
  systemId: string;
  source: typeof PUSH_RESULT_SOURCE;
  /** Stable for the same ping or miss (`push:<kind>:<executedAt>`), however often it is derived. */
  resultId: string;
  success: boolean;
  /** The ping's time, or the missed deadline. */
  executedAt: number;
  /** For failures: `reported` (the ping said down) or `missed`. */
  error?: CheckError;
  /** The ping's message, if it had one. */
  message?: string;
}

interface PushCheckState {
  systemId: string;
  strategy: { kind: string; periodMs?: number; graceMs?: number };
  push?: PushMonitor;
}

function formatMs(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return ms % 1_000 === 0 ? `${ms / 1_000}s` : `${ms}ms`;
}

/**
 * The results a committed change of a check stands for, oldest first: a ping (success, or a
 * `reported` failure) when `lastPing` moved, a `missed` failure when `lastMissAt` moved. Derived
 * from the change alone, so the same change always gives the same results (the health entity then
 * applies each at most once, by `executedAt`).
 */
export function pushResultsOf(change: Pick<EntityChange, 'id' | 'prev' | 'next'>): PushResult[] {
  const next = change.next as PushCheckState | null;
  const prev = change.prev as PushCheckState | null;
  if (!next?.push) return [];
  const before = prev?.push;
  const base = { checkId: change.id, systemId: next.systemId, source: PUSH_RESULT_SOURCE } as const;
  const results: PushResult[] = [];
  const { lastMissAt, lastPing } = next.push;
  if (lastMissAt !== null && lastMissAt !== (before?.lastMissAt ?? null)) {
    const { periodMs = 0, graceMs = 0 } = next.strategy;
    const message = `no ping within the period (${formatMs(periodMs)}) plus grace (${formatMs(graceMs)}); due at ${new Date(lastMissAt).toISOString()}`;
    results.push({ ...base, resultId: `push:miss:${lastMissAt}`, success: false, executedAt: lastMissAt, error: { kind: 'missed', message } });
  }
  if (lastPing !== null && lastPing.at !== before?.lastPing?.at) {
    const message = lastPing.message ?? undefined;
    const error: CheckError | undefined = lastPing.status === 'down' ? { kind: 'reported', message: message ?? 'the job reported a failure' } : undefined;
    results.push({
      ...base,
      resultId: `push:ping:${lastPing.at}`,
      success: lastPing.status === 'up',
      executedAt: lastPing.at,
      ...(error ? { error } : {}),
      ...(message !== undefined ? { message } : {}),
    });
  }
  return results.sort((a, b) => a.executedAt - b.executedAt);
}

/** Whether a change ends a push monitor: the check was deleted, or is no longer a push check. */
export function pushMonitorEnded(change: Pick<EntityChange, 'prev' | 'next'>): boolean {
  const prev = change.prev as PushCheckState | null;
  const next = change.next as PushCheckState | null;
  return prev?.push !== undefined && next?.push === undefined;
}
