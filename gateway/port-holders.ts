import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** A TCP socket bound to a local port, from `/proc/net/tcp` and `/proc/net/tcp6`. */
export interface PortHolder {
  /** `LISTEN`, `TIME_WAIT`, `ESTABLISHED`, … */
  state: string;
  /** The owning process, for listening sockets, when this user may see it. */
  pid?: number;
  command?: string;
}

const stateNames: Record<string, string> = {
  '01': 'ESTABLISHED',
  '02': 'SYN_SENT',
  '03': 'SYN_RECV',
  '04': 'FIN_WAIT1',
  '05': 'FIN_WAIT2',
  '06': 'TIME_WAIT',
  '07': 'CLOSE',
  '08': 'CLOSE_WAIT',
  '09': 'LAST_ACK',
  '0A': 'LISTEN',
  '0B': 'CLOSING',
};

/**
 * Every TCP socket (IPv4 and IPv6) whose local port is `port`, on any address; listening ones with
 * their process. Undefined where there is no `/proc/net/tcp` (not Linux): the caller cannot tell.
 */
export function portHolders(port: number): PortHolder[] | undefined {
  const rows: Array<{ state: string; inode: string }> = [];
  let readable = false;
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
      readable = true;
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const local = fields[1];
      if (!local || Number.parseInt(local.slice(local.lastIndexOf(':') + 1), 16) !== port) continue;
      rows.push({ state: stateNames[fields[3] ?? ''] ?? `state ${fields[3]}`, inode: fields[9] ?? '0' });
    }
  }
  if (!readable) return undefined;
  const listening = new Set(rows.filter((row) => row.state === 'LISTEN' && row.inode !== '0').map((row) => `socket:[${row.inode}]`));
  const owners = listening.size > 0 ? socketOwners(listening) : new Map<string, { pid: number; command: string }>();
  return rows.map((row) => ({ state: row.state, ...owners.get(`socket:[${row.inode}]`) }));
}

/** Which process holds each of `sockets` (`socket:[inode]`), by reading `/proc/<pid>/fd`. */
function socketOwners(sockets: Set<string>): Map<string, { pid: number; command: string }> {
  const owners = new Map<string, { pid: number; command: string }>();
  for (const entry of safeReaddir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    for (const fd of safeReaddir(`/proc/${entry}/fd`)) {
      let target: string;
      try {
        target = readlinkSync(`/proc/${entry}/fd/${fd}`);
      } catch {
        continue;
      }
      if (!sockets.has(target)) continue;
      owners.set(target, { pid: Number(entry), command: commandLine(entry) });
    }
    if (owners.size === sockets.size) break;
  }
  return owners;
}

function commandLine(pid: string): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ').slice(0, 200);
  } catch {
    return '';
  }
}

function safeReaddir(folder: string): string[] {
  try {
    return readdirSync(folder);
  } catch {
    return [];
  }
}
