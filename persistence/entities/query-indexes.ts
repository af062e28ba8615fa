/**
 * Indexes of the query API's lists (gateway/query): each is partial on one kind and written with
 * the expressions `persistence/state-query.ts` produces (`(state->>'f')`, `((state->>'f')::float8)`),
 * so a page is an index range scan in the list's order, not a scan and sort of the kind. Small
 * kinds (satellites, maintenance, automations, groups) need none. Created by migration
 * `Migration20261206020000_query_indexes`; a change here needs a new migration.
 */
export const queryIndexes: ReadonlyArray<{ name: string; expression: string }> = [
  ['entity_state_system_name', 'system', `(("state"->>'name'), "id")`],
  ['entity_state_system_groups', 'system', `using gin (("state"->'groupIds'))`],
  ['entity_state_incident_created', 'incident', `((("state"->>'createdAt')::float8), "id")`],
  ['entity_state_incident_open_created', 'incident', `((("state"->>'createdAt')::float8), "id")`, ` and ("state"->>'status') <> 'resolved'`],
  ['entity_state_incident_systems', 'incident', `using gin (("state"->'systemIds'))`],
  ['entity_state_check_system', 'check', `(("state"->>'systemId'), "id")`],
  ['entity_state_check_satellites', 'check', `using gin (("state"->'satelliteIds'))`],
  ['entity_state_run_started', 'automation_run', `((("state"->>'startedAt')::float8), "id")`],
  ['entity_state_run_automation_started', 'automation_run', `(("state"->>'automationId'), (("state"->>'startedAt')::float8), "id")`],
  ['entity_state_run_status_started', 'automation_run', `(("state"->>'status'), (("state"->>'startedAt')::float8), "id")`],
  // The runs active now (`status=running,waiting`): few among many finished ones.
  ['entity_state_run_active_started', 'automation_run', `((("state"->>'startedAt')::float8), "id")`, ` and ("state"->>'status') in ('running', 'waiting')`],
  // Systems by health (`health=unhealthy`): the few unhealthy ones without reading every health row.
  ['entity_state_health_status', 'health', `(("state"->>'status'), "id")`],
].map(([name, kind, columns, extra = '']) => ({ name: name!, expression: `create index "${name}" on "entity_state" ${columns} where "kind" = '${kind}'${extra}` }));
