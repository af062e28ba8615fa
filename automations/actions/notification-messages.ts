/**
 * The messages notification steps send when their config does not give one: templates (the run's
 * template language, rendered like any config string) per trigger event, so that
 * `{ action: notify.slack, config: { webhook_url: "${{ secrets.SLACK_URL }}" } }` says something
 * useful. Each template reads only what the trigger's payload schema guarantees, so it renders
 * for every event of that trigger. Plain text: no markup that one channel shows and another
 * prints raw.
 */
export interface NotificationMessage {
  /** One line: Slack's header, the e-mail's subject, the webhook's `data.title`. */
  title: string;
  /** The body. */
  text: string;
  /** Where it came from: Slack's context line, the e-mail's last paragraph. */
  footer: string;
}

const payload = 'trigger.payload';
const incidentFacts = `Severity {{ ${payload}.severity }} · status {{ ${payload}.status }} · systems {{ ${payload}.systemIds.join(", ") }}`;
const healthFacts = `{{ ${payload}.healthyChecks }} of {{ ${payload}.totalChecks }} checks healthy (was {{ ${payload}.previousStatus }}).`;
const maintenanceFacts = `Systems {{ ${payload}.systemIds.join(", ") }}, from {{ timestamp(${payload}.startsAt / 1000) }} to {{ timestamp(${payload}.endsAt / 1000) }}.`;

const byTrigger: Record<string, Omit<NotificationMessage, 'footer'>> = {
  'incident.created': { title: `Incident opened: {{ ${payload}.title }}`, text: `${incidentFacts}\nIncident {{ ${payload}.incidentId }}` },
  'incident.updated': {
    title: `Incident updated: {{ ${payload}.title }}`,
    text: `${incidentFacts}{{ ${payload}.statusChange == null ? "" : " (was " + ${payload}.statusChange.from + ")" }}\nIncident {{ ${payload}.incidentId }}`,
  },
  'incident.resolved': { title: `Incident resolved: {{ ${payload}.title }}`, text: `Systems {{ ${payload}.systemIds.join(", ") }}\nIncident {{ ${payload}.incidentId }}` },
  'healthcheck.system.degraded': { title: `{{ ${payload}.systemId }} is {{ ${payload}.newStatus }}`, text: healthFacts },
  'healthcheck.system.healthy': { title: `{{ ${payload}.systemId }} is healthy again`, text: healthFacts },
  'healthcheck.system.health_changed': { title: `{{ ${payload}.systemId }} is {{ ${payload}.newStatus }}`, text: healthFacts },
  'satellite.heartbeat_lost': {
    title: `Satellite {{ ${payload}.name }} ({{ ${payload}.region }}) lost its heartbeat`,
    text: `No heartbeat from satellite {{ ${payload}.satelliteId }} within its threshold: the checks it runs are not executed from {{ ${payload}.region }}.`,
  },
  'satellite.disconnected': {
    title: `Satellite {{ ${payload}.name }} ({{ ${payload}.region }}) disconnected`,
    text: `Satellite {{ ${payload}.satelliteId }} lost its connection; it is marked offline if it does not come back within its heartbeat threshold.`,
  },
  'satellite.connected': { title: `Satellite {{ ${payload}.name }} ({{ ${payload}.region }}) connected`, text: `Satellite {{ ${payload}.satelliteId }} is connected.` },
  'maintenance.started': { title: `Maintenance started: {{ ${payload}.title }}`, text: maintenanceFacts },
  'maintenance.ended': { title: `Maintenance ended: {{ ${payload}.title }}`, text: maintenanceFacts },
  'catalog.created': { title: `System {{ ${payload}.systemName }} was added`, text: `System {{ ${payload}.systemId }} is in the catalog.` },
  'catalog.updated': { title: `System {{ ${payload}.systemName }} changed`, text: `Changed: {{ ${payload}.changedFields.join(", ") }}` },
  'catalog.deleted': { title: `System {{ ${payload}.systemName }} was removed`, text: `System {{ ${payload}.systemId }} is no longer in the catalog.` },
};

const generic: Omit<NotificationMessage, 'footer'> = {
  title: 'Automation {{ run.automation_id }}: {{ trigger.?event.orValue("run") }}',
  text: 'Run {{ run.id }} of automation {{ run.automation_id }}.',
};

/** Names the automation and run, and the incident the run opened or carries, if any. */
const footer = 'Vigil · automation {{ run.automation_id }} · run {{ run.id }}{{ has(artifacts.incident) ? " · incident " + string(artifacts.incident.id) : "" }}';

/** The default message templates for a run fired by `trigger` (any other event, or none: a generic one). */
export function defaultMessage(trigger: string | undefined): NotificationMessage {
  return { ...((trigger !== undefined && byTrigger[trigger]) || generic), footer };
}

/** The trigger events with a message of their own (the others get the generic one). */
export const triggersWithMessages: readonly string[] = Object.keys(byTrigger);
