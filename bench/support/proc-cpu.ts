import { readdirSync, readFileSync } from 'node:fs';

/** Kernel clock ticks per second (`getconf CLK_TCK`; 100 on Linux here). */
export const CLOCK_TICKS = 100;

/** utime+stime and cutime+cstime of one `/proc/<pid>/stat` line, with the process's name. */
function parseStat(stat: string) {
  const close = stat.lastIndexOf(')');
  const fields = stat.slice(close + 2).split(' ');
  const own = Number(fields[11]) + Number(fields[12]);
  return { comm: stat.slice(stat.indexOf('(') + 1, close), own, children: Number(fields[13]) + Number(fields[14]) };
}

/** CPU ticks one process used so far (0 once it is gone). */
export function ticksOf(pid: number): number {
  try {
    return parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8')).own;
  } catch {
    return 0;
  }
}

/**
 * CPU ticks used so far by every PostgreSQL and nats-server process of the machine (with their
 * exited children: PostgreSQL backends count in the postmaster once they exit).
 */
export function serverTicks(): { postgres: number; nats: number } {
  const totals = { postgres: 0, nats: 0 };
  let entries: string[] = [];
  try {
    entries = readdirSync('/proc');
  } catch {
    return totals;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const { comm, own, children } = parseStat(readFileSync(`/proc/${entry}/stat`, 'utf8'));
      if (comm === 'postgres') totals.postgres += own + children;
      else if (comm === 'nats-server') totals.nats += own + children;
    } catch {
      // the process went away meanwhile
    }
  }
  return totals;
}

/** Machine-wide CPU ticks from /proc/stat: [user+nice, system+irq+softirq, iowait, steal, idle]. */
export function machineTicks(): number[] {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = line;
    return [user + nice, system + irq + softirq, iowait, steal, idle];
  } catch {
    return [0, 0, 0, 0, 0];
  }
}

/**
 * CPU ticks used so far by the PostgreSQL backends serving `database` (their process title names
 * it): on a machine other work shares, this counts only the bench's own queries — not the WAL
 * writer, checkpointer or other databases' backends, nor backends that already exited.
 */
export function databaseBackendTicks(database: string): number {
  let total = 0;
  let entries: string[] = [];
  try {
    entries = readdirSync('/proc');
  } catch {
    return total;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = parseStat(readFileSync(`/proc/${entry}/stat`, 'utf8'));
      if (stat.comm !== 'postgres') continue;
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(` ${database} `)) total += stat.own;
    } catch {
      // the process went away meanwhile
    }
  }
  return total;
}
