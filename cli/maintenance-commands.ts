import type { VigilConfig } from '../node/index.ts';
import { durationMs } from './check-commands.ts';
import { CommandRefusedError, NodeClient } from './node-client.ts';
import { fail, usage } from './exit.ts';

export interface MaintenanceFlags {
  title?: string | undefined;
  description?: string | undefined;
  systems?: string | undefined;
  start?: string | undefined;
  end?: string | undefined;
  weekdays?: string | undefined;
  time?: string | undefined;
  duration?: string | undefined;
  timezone?: string | undefined;
  from?: string | undefined;
  until?: string | undefined;
  json?: boolean | undefined;
}

const addUsage =
  'vigil maintenance add <id> --title <title> --systems a,b [--description <text>] ' +
  '(--start <time> --end <time> | --weekdays mon,wed --time HH:MM --duration 2h [--timezone Europe/Berlin] [--from <time>] [--until <time>])';

/**
 * `vigil maintenance add|list|cancel|remove`: maintenances are entities, changed through the
 * cluster like any other (stored, emitted, `maintenance.started`/`ended` fired by their timers).
 * Times are ISO 8601 (`2026-03-01T22:00:00Z`) or epoch ms; values are validated by the cluster (the
 * maintenance's zod schema): a bad one is refused with INVALID_EVENT and changes nothing.
 */
export async function maintenanceCommand(config: VigilConfig, args: string[], flags: MaintenanceFlags): Promise<number> {
  const [action, maintenanceId] = args;
  if (action === 'list') return listMaintenances(config, flags.json === true);
  if (!maintenanceId || !['add', 'cancel', 'remove'].includes(action ?? '')) return usage('vigil maintenance add|list|cancel|remove');

  let event: Record<string, unknown>;
  if (action === 'add') {
    if (!flags.title || !flags.systems) return usage(addUsage);
    try {
      event = {
        type: 'create',
        title: flags.title,
        ...(flags.description !== undefined ? { description: flags.description } : {}),
        systemIds: flags.systems.split(',').map((id) => id.trim()).filter(Boolean),
        schedule: scheduleOf(flags),
      };
    } catch (error) {
      return usage(`${(error as Error).message}\n  ${addUsage}`);
    }
  } else {
    event = { type: action === 'cancel' ? 'cancel' : 'delete' };
  }

  const cluster = NodeClient.connect(config);
  try {
    const change = await cluster.send('maintenance', maintenanceId, event);
    const status = (change?.next as { status?: string } | null | undefined)?.status;
    const outcome = action === 'add' ? `created, ${status ?? 'unknown'}` : action === 'cancel' ? 'cancelled' : 'removed';
    console.log(`maintenance ${maintenanceId}: ${outcome}${change ? ` (version ${change.version})` : ''}`);
    return 0;
  } catch (error) {
    if (error instanceof CommandRefusedError && error.code === 'EVENT_NOT_ALLOWED') {
      if (action === 'add') return fail(`maintenance ${maintenanceId} exists (or was removed: ids are never reused)`);
      return fail(action === 'cancel' ? `maintenance ${maintenanceId} is not scheduled or active` : `no maintenance ${maintenanceId}`);
    }
    return fail((error as Error).message);
  } finally {
    await cluster.close();
  }
}

function scheduleOf(flags: MaintenanceFlags): Record<string, unknown> {
  const once = flags.start !== undefined || flags.end !== undefined;
  const recurring = flags.weekdays !== undefined || flags.time !== undefined || flags.duration !== undefined;
  if (once === recurring) throw new Error('give either --start and --end, or --weekdays, --time and --duration');
  if (once) {
    if (flags.start === undefined || flags.end === undefined) throw new Error('--start and --end go together');
    return { kind: 'once', startsAt: instant(flags.start, '--start'), endsAt: instant(flags.end, '--end') };
  }
  if (flags.weekdays === undefined || flags.time === undefined || flags.duration === undefined) throw new Error('--weekdays, --time and --duration go together');
  const minutes = durationMs(flags.duration, '--duration') / 60_000;
  if (!Number.isInteger(minutes)) throw new Error('--duration must be whole minutes (e.g. 90m, 2h)');
  return {
    kind: 'recurring',
    timezone: flags.timezone ?? 'UTC',
    weekdays: flags.weekdays.split(',').map((day) => day.trim().toLowerCase()).filter(Boolean),
    startTime: flags.time,
    durationMinutes: minutes,
    ...(flags.from !== undefined ? { from: instant(flags.from, '--from') } : {}),
    ...(flags.until !== undefined ? { until: instant(flags.until, '--until') } : {}),
  };
}

/** `2026-03-01T22:00:00Z` (ISO 8601, with a zone) or epoch ms → epoch ms. */
function instant(text: string, flag: string): number {
  if (/^\d+$/.test(text)) return Number(text);
  // A date-time without a zone would be read in this machine's local zone: refuse the ambiguity.
  const zoned = /T.*(Z|[+-]\d\d:?\d\d)$/i.test(text);
  const ms = zoned ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(ms)) throw new Error(`${flag} takes an ISO 8601 time with a zone (2026-03-01T22:00:00Z) or epoch ms`);
  return ms;
}

interface ListedMaintenance {
  maintenanceId: string;
  title: string;
  systemIds: string[];
  status: string;
  currentWindow: { startsAt: number; endsAt: number } | null;
  nextWindow: { startsAt: number; endsAt: number } | null;
}

async function listMaintenances(config: VigilConfig, json: boolean): Promise<number> {
  try {
    const rows = await NodeClient.connect(config).list<ListedMaintenance>('maintenance');
    if (json) {
      console.log(JSON.stringify(rows.map((row) => row.state), null, 2));
      return 0;
    }
    const span = (window: { startsAt: number; endsAt: number }) => `${new Date(window.startsAt).toISOString()} .. ${new Date(window.endsAt).toISOString()}`;
    for (const { id, state } of rows) {
      const window = state.currentWindow ? `now ${span(state.currentWindow)}` : state.nextWindow ? `next ${span(state.nextWindow)}` : '';
      console.log(`${id.padEnd(28)} ${state.status.padEnd(10)} ${window}  systems: ${state.systemIds.join(', ')}  ${state.title}`);
    }
    return 0;
  } catch (error) {
    return fail((error as Error).message);
  }
}
