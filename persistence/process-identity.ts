import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { z } from 'zod';

/**
 * Who a process is, precisely enough to tell later whether it still runs: its pid plus, on Linux,
 * its start time (clock ticks after boot, from `/proc/<pid>/stat`) and the boot id. A pid alone
 * is reused by the kernel; pid + start time + boot id is not.
 */
export const processIdentitySchema = z.object({
  pid: z.number().int().positive(),
  /** Field 22 of `/proc/<pid>/stat`; absent where there is no `/proc` (then only the pid is checked). */
  startTicks: z.number().int().nonnegative().optional(),
  /** `/proc/sys/kernel/random/boot_id`: a different one means the machine restarted since. */
  bootId: z.string().min(1).optional(),
  /** Pids mean nothing across machines (or PID namespaces with their own hostname). */
  host: z.string().min(1),
});
export type ProcessIdentity = z.infer<typeof processIdentitySchema>;

/** `alive`: that very process still runs; `gone`: it does not; `unknown`: it runs elsewhere, so this machine cannot tell. */
export type ProcessState = 'alive' | 'gone' | 'unknown';

/** The identity of the process with `pid` (default: this one) as this machine sees it now. */
export function identityOf(pid = process.pid): ProcessIdentity {
  const startTicks = readStartTicks(pid);
  const bootId = readBootId();
  return { pid, host: hostname(), ...(startTicks === undefined ? {} : { startTicks }), ...(bootId === undefined ? {} : { bootId }) };
}

/**
 * Whether the process `identity` describes still runs. A zombie (killed, not yet reaped by its
 * parent) counts as gone; a pid now used by another process (other start time) counts as gone;
 * an identity from another host is `unknown`.
 */
export function processState(identity: ProcessIdentity): ProcessState {
  if (identity.host !== hostname()) return 'unknown';
  const bootId = readBootId();
  if (identity.bootId && bootId && identity.bootId !== bootId) return 'gone';
  try {
    process.kill(identity.pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return 'gone';
  }
  const stat = readStat(identity.pid);
  if (stat === undefined) return 'alive'; // no /proc here: the pid is all there is to go by
  if (stat.state === 'Z' || stat.state === 'X') return 'gone';
  if (identity.startTicks !== undefined && stat.startTicks !== identity.startTicks) return 'gone';
  return 'alive';
}

function readStartTicks(pid: number): number | undefined {
  return readStat(pid)?.startTicks;
}

/** State (field 3) and start time (field 22) of `/proc/<pid>/stat`; the command name (field 2) may hold spaces and parentheses. */
function readStat(pid: number): { state: string; startTicks: number } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const startTicks = Number(fields[19]);
  if (!fields[0] || !Number.isSafeInteger(startTicks)) return undefined;
  return { state: fields[0], startTicks };
}

function readBootId(): string | undefined {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}
