/** The colour class (see base.css) of a status word, so every page shows one status the same way. */
export type Tone = 's-ok' | 's-warn' | 's-bad' | 's-info' | 's-none';

const tones: Record<string, Tone> = {
  healthy: 's-ok', operational: 's-ok', online: 's-ok', succeeded: 's-ok', resolved: 's-ok', enabled: 's-ok', finished: 's-none',
  degraded: 's-warn', waiting: 's-warn', scheduled: 's-warn', monitoring: 's-warn', minor: 's-warn', registered: 's-none',
  unhealthy: 's-bad', outage: 's-bad', offline: 's-bad', failed: 's-bad', critical: 's-bad', major: 's-bad',
  investigating: 's-bad', identified: 's-bad', fixing: 's-warn',
  maintenance: 's-info', active: 's-info', running: 's-info',
  unknown: 's-none', stopped: 's-none', skipped: 's-none', cancelled: 's-none', disabled: 's-none',
  delivered: 's-ok', pending: 's-warn', sending: 's-info', dead: 's-bad',
};

export function toneOf(status: string): Tone {
  return tones[status] ?? 's-none';
}
