import { z } from 'zod';
import type { CommandLine } from './command-line.ts';
import { fail, UsageError } from './exit.ts';
import { CommandRefusedError, withNode } from './node-client.ts';
import { durationSchema, idListSchema, idSchema, instantSchema, weekdaysSchema } from './option-schemas.ts';

// `vigil maintenance add|list|cancel|remove`: maintenances are entities, changed through the
// cluster like any other (stored, emitted, `maintenance.started`/`ended` fired by their timers).
// Times are ISO 8601 (`2026-03-01T22:00:00Z`) or epoch ms. The shapes of the options are checked
// here (exit code 2); their values by the cluster (the maintenance's zod schema): an unknown time
// zone is refused with INVALID_EVENT and changes nothing (exit code 1).

const addOptions = z.object({
  title: z.string().min(1, 'must not be empty'),
  description: z.string().optional(),
  systems: idListSchema.pipe(z.array(idSchema).min(1, 'name at least one system')),
  start: instantSchema.optional(),
  end: instantSchema.optional(),
  weekdays: weekdaysSchema.optional(),
  time: z.string().optional(),
  duration: durationSchema.refine((ms) => ms % 60_000 === 0, 'expected whole minutes, such as 90m or 2h').optional(),
  timezone: z.string(),
  from: instantSchema.optional(),
  until: instantSchema.optional(),
});
type AddOptions = z.output<typeof addOptions>;

export async function addMaintenance(line: CommandLine): Promise<number> {
  const maintenanceId = line.argument(0, idSchema);
  const options = line.options(addOptions);
  const event = {
    type: 'create',
    title: options.title,
    ...(options.description !== undefined ? { description: options.description } : {}),
    systemIds: options.systems,
    schedule: scheduleOf(options),
  };
  return withNode(line.configFile, async (cluster) => {
    try {
      const change = await cluster.send('maintenance', maintenanceId, event);
      const status = (change?.next as { status?: string } | null | undefined)?.status;
      console.log(`maintenance ${maintenanceId}: created, ${status ?? 'unknown'}${change ? ` (version ${change.version})` : ''}`);
      return 0;
    } catch (error) {
      if (error instanceof CommandRefusedError && error.code === 'EVENT_NOT_ALLOWED') return fail(`maintenance ${maintenanceId} exists (or was removed: ids are never reused)`);
      throw error;
    }
  });
}

/** `cancel` ends a scheduled or active maintenance (it stays, finished); `remove` deletes it. */
export async function endMaintenance(line: CommandLine, action: 'cancel' | 'remove'): Promise<number> {
  const maintenanceId = line.argument(0, idSchema);
  return withNode(line.configFile, async (cluster) => {
    try {
      const change = await cluster.send('maintenance', maintenanceId, { type: action === 'cancel' ? 'cancel' : 'delete' });
      console.log(`maintenance ${maintenanceId}: ${action === 'cancel' ? 'cancelled' : 'removed'}${change ? ` (version ${change.version})` : ''}`);
      return 0;
    } catch (error) {
      if (error instanceof CommandRefusedError && error.code === 'EVENT_NOT_ALLOWED') {
        return fail(action === 'cancel' ? `maintenance ${maintenanceId} is not scheduled or active` : `no maintenance ${maintenanceId}`);
      }
      throw error;
    }
  });
}

function scheduleOf(options: AddOptions): Record<string, unknown> {
  const once = options.start !== undefined || options.end !== undefined;
  const recurring = options.weekdays !== undefined || options.time !== undefined || options.duration !== undefined;
  if (once === recurring) throw new UsageError('give either --start and --end, or --weekdays, --time and --duration');
  if (once) {
    if (options.start === undefined || options.end === undefined) throw new UsageError('--start and --end go together');
    return { kind: 'once', startsAt: options.start, endsAt: options.end };
  }
  if (options.weekdays === undefined || options.time === undefined || options.duration === undefined) throw new UsageError('--weekdays, --time and --duration go together');
  return {
    kind: 'recurring',
    timezone: options.timezone,
    weekdays: options.weekdays,
    startTime: options.time,
    durationMinutes: options.duration / 60_000,
    ...(options.from !== undefined ? { from: options.from } : {}),
    ...(options.until !== undefined ? { until: options.until } : {}),
  };
}

interface ListedMaintenance {
  maintenanceId: string;
  title: string;
  systemIds: string[];
  status: string;
  currentWindow: { startsAt: number; endsAt: number } | null;
  nextWindow: { startsAt: number; endsAt: number } | null;
}

export async function listMaintenances(line: CommandLine): Promise<number> {
  const { json } = line.options(z.object({ json: z.boolean().optional() }));
  return withNode(line.configFile, async (node) => {
    const rows = await node.list<ListedMaintenance>('maintenance');
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
  });
}
