import type { IncidentTimelineEntry } from '../gateway/query/incident-timeline.ts';
import type { IncidentItem } from '../gateway/query/items.ts';
import { incidentSeveritySchema, incidentStatusSchema } from '../machines/incident.machine.ts';
import type { CommandLine } from './command-line.ts';
import { withNode } from './node-client.ts';
import { choiceListSchema, idSchema, sinceSchema } from './option-schemas.ts';
import { isoTime, listOptions, printList, printTable, readList } from './query-list.ts';

// `vigil incident list | show ID`: incidents through the query API (GET /incidents, /incidents/{id}).

const incidentListOptions = listOptions.extend({
  status: choiceListSchema(['open', ...incidentStatusSchema.options]).optional(),
  severity: choiceListSchema(incidentSeveritySchema.options).optional(),
  system: idSchema.optional(),
  since: sinceSchema.optional(),
});

/** `vigil incident list [--status …] [--severity …] [--system ID] [--since 24h]`: newest first, every status unless --status. */
export async function listIncidents(line: CommandLine): Promise<number> {
  const options = line.options(incidentListOptions);
  return withNode(line.configFile, async (node) => {
    const filters = { status: options.status?.join(','), severity: options.severity?.join(','), system: options.system, since: options.since?.toString() };
    const list = await readList<IncidentItem>(node, '/incidents', filters, options);
    return printList(list, options, {
      ID: (incident) => incident.id,
      STATUS: (incident) => incident.status,
      SEVERITY: (incident) => incident.severity,
      CREATED: (incident) => isoTime(incident.createdAt),
      SYSTEMS: (incident) => incident.systemIds.join(',') || '-',
      TITLE: (incident) => incident.title,
    });
  });
}

type IncidentDetail = { incident: IncidentItem & { updates: unknown[] }; timeline: IncidentTimelineEntry[] };

/** `vigil incident show ID`: the incident, then its timeline (each change, who made it, the run that did). */
export async function showIncident(line: CommandLine): Promise<number> {
  const incidentId = line.argument(0, idSchema);
  const { json } = line.options(listOptions.pick({ json: true }));
  return withNode(line.configFile, async (node) => {
    const detail = await node.request<IncidentDetail>('GET', `/incidents/${encodeURIComponent(incidentId)}`);
    if (json) {
      console.log(JSON.stringify(detail, null, 2));
      return 0;
    }
    const { incident } = detail;
    console.log(`incident ${incident.id}: ${incident.title}`);
    console.log(`status ${incident.status}, severity ${incident.severity}, systems ${incident.systemIds.join(', ') || '-'}`);
    console.log(`created ${isoTime(incident.createdAt)}, resolved ${isoTime(incident.resolvedAt)}, ${incident.updateCount} update${incident.updateCount === 1 ? '' : 's'}`);
    if (incident.description) console.log(incident.description);
    console.log('');
    printTable([
      // The message last: it is the one long cell.
      ['TIME', 'EVENT', 'STATUS', 'ACTOR', 'RUN', 'MESSAGE'],
      ...detail.timeline.map((entry) => [
        isoTime(entry.at),
        entry.event,
        entry.statusChange ? `${entry.statusChange.from ?? ''}->${entry.statusChange.to ?? ''}` : '-',
        entry.actor ?? '-',
        entry.runId ? `run ${entry.runId}` : '-',
        entry.message?.replace(/\s+/g, ' ') ?? '-',
      ]),
    ]);
    return 0;
  });
}
