import * as z from 'zod';
import type { EntityRuntime } from '../../actors/index.ts';
import { incidentSeveritySchema, incidentStatusSchema, maintenanceStatusSchema, runStatusSchema, satelliteStatusSchema, type CheckHealth } from '../../machines/index.ts';
import type { DeliveryStore, StateQueries, SystemQueries } from '../../persistence/index.ts';
import { deliveryWithAttempts } from './delivery-items.ts';
import { defineRoute } from '../api-route.ts';
import type { ApiRouter } from '../api-router.ts';
import { commaList, epochMsParameter, idParamsSchema, idParameter, pageQueryShape, pageSchema } from '../api-schemas.ts';
import { HttpRequestError } from '../http-errors.ts';
import {
  automationItem,
  automationItemSchema,
  checkItem,
  checkItemSchema,
  checkResultSchema,
  groupItem,
  groupItemSchema,
  incidentItem,
  incidentItemSchema,
  maintenanceItem,
  maintenanceItemSchema,
  queuedRunSchema,
  queuedRunsOf,
  runDetailSchema,
  runItem,
  runItemSchema,
  satelliteItem,
  satelliteItemSchema,
  systemItem,
  systemItemSchema,
} from './items.ts';
import { decodeCursor, pageOf } from './page-cursor.ts';
import { conditions, stateListRoute } from './state-list-route.ts';
import { incidentTimeline, incidentTimelineEntrySchema } from './incident-timeline.ts';

export interface QueryRoutesOptions {
  states: StateQueries;
  systems: SystemQueries;
  runtime: EntityRuntime;
  /** The delivery log, for the deliveries of a run (`GET /runs/{id}`). */
  deliveries: DeliveryStore;
}

const openStatuses = incidentStatusSchema.options.filter((status) => status !== 'resolved');
const byId = { keys: [], direction: 'asc' } as const;
const newestFirst = (field: string) => ({ keys: [{ field, type: 'number' }], direction: 'desc' }) as const;

/**
 * The query API (docs/PROTOCOL.md, "Query API"): for each public kind a keyset-paged list with
 * filters, and detail routes that gather what a page about one system, incident or run shows.
 * Reads come from PostgreSQL (what is committed), through indexes made for these lists
 * (migration `query_indexes`); all need the viewer role.
 */
export function serveQueryRoutes(router: ApiRouter, options: QueryRoutesOptions): void {
  const { states } = options;

  router.json(
    defineRoute({
      method: 'get',
      path: '/systems',
      access: 'viewer',
      action: 'list systems',
      tag: 'Systems',
      summary: 'Systems with their health, by name or worst health first',
      query: z.strictObject({
        ...pageQueryShape,
        group: idParameter.optional().meta({ description: 'Only systems in this group' }),
        health: commaList(['healthy', 'degraded', 'unhealthy', 'unknown'], 'Only systems with this health (unknown: no result yet)'),
        q: z.string().min(1).max(100).optional().meta({ description: 'Case-insensitive part of the name' }),
        sort: z.enum(['name', 'health']).optional().meta({ description: 'name (default) or health: unhealthy, degraded, unknown, healthy, then by name' }),
      }),
      response: pageSchema(systemItemSchema, 'SystemPage'),
      handle: async ({ query }) => {
        const sort = query.sort ?? 'name';
        const after = decodeCursor(query.cursor, sort, sort === 'health' ? 3 : 2);
        const result = await options.systems.page({
          where: conditions(query.group !== undefined && { field: 'groupIds', includes: query.group }, query.q !== undefined && { field: 'name', containsText: query.q }),
          ...(query.health ? { health: query.health } : {}),
          sort,
          ...(after ? { after } : {}),
          limit: query.limit ?? 50,
        });
        return pageOf(result, sort, systemItem);
      },
    }),
  );

  router.json(
    defineRoute({
      method: 'get',
      path: '/systems/{id}',
      access: 'viewer',
      action: 'read systems',
      tag: 'Systems',
      summary: 'A system with the health of each of its checks, its check definitions, open incidents and maintenance',
      params: idParamsSchema,
      response: z.object({
        system: systemItemSchema,
        checks: z.array(checkResultSchema).meta({ description: 'Health per check and source (satellite), as the health entity holds it now' }),
        checkDefinitions: z.array(checkItemSchema).meta({ description: 'The check entities of the system (up to 200)' }),
        openIncidents: z.array(incidentItemSchema).meta({ description: 'Newest first (up to 50)' }),
        maintenance: z.array(maintenanceItemSchema).meta({ description: 'Active or scheduled maintenance naming the system (up to 50)' }),
      }),
      errors: ['NOT_FOUND'],
      handle: async ({ params: { id } }) => {
        const [system] = (await options.systems.page({ ids: [id], where: [], sort: 'name', limit: 1 })).rows;
        if (!system) throw new HttpRequestError('NOT_FOUND', `no system "${id}"`);
        const [checkDefinitions, openIncidents, maintenance] = await Promise.all([
          states.page({ kind: 'check', where: [{ field: 'systemId', equals: id }], order: byId, limit: 200 }),
          states.page({ kind: 'incident', where: [{ field: 'systemIds', includes: id }, { field: 'status', notEquals: 'resolved' }], order: newestFirst('createdAt'), limit: 50 }),
          states.page({ kind: 'maintenance', where: [{ field: 'systemIds', includes: id }, { field: 'status', oneOf: ['active', 'scheduled'] }], order: byId, limit: 50 }),
        ]);
        const checks = Object.values((system.health?.state.checks ?? {}) as Record<string, CheckHealth>);
        return {
          system: systemItem(system),
          checks,
          checkDefinitions: checkDefinitions.rows.map(checkItem),
          openIncidents: openIncidents.rows.map(incidentItem),
          maintenance: maintenance.rows.map(maintenanceItem),
        };
      },
    }),
  );

  router.json(
    stateListRoute(states, {
      path: '/groups',
      kind: 'group',
      tag: 'Systems',
      summary: 'Groups of systems, by id',
      filters: {},
      where: () => [],
      order: byId,
      item: groupItemSchema,
      pageId: 'GroupPage',
      toItem: groupItem,
    }),
  );

  router.json(
    stateListRoute(states, {
      path: '/incidents',
      kind: 'incident',
      tag: 'Incidents',
      summary: 'Incidents, newest first',
      filters: {
        status: commaList(['open', ...incidentStatusSchema.options], 'Only incidents in these statuses (open: any but resolved)'),
        severity: commaList(incidentSeveritySchema.options, 'Only these severities'),
        system: idParameter.optional().meta({ description: 'Only incidents naming this system' }),
        since: epochMsParameter('Created at or after'),
        until: epochMsParameter('Created at or before'),
      },
      where: (query) => conditions(statusCondition(query.status), query.severity && { field: 'severity', oneOf: query.severity }, query.system !== undefined && { field: 'systemIds', includes: query.system }, query.since !== undefined && { field: 'createdAt', atLeast: query.since }, query.until !== undefined && { field: 'createdAt', atMost: query.until }),
      order: newestFirst('createdAt'),
      item: incidentItemSchema,
      pageId: 'IncidentPage',
      toItem: incidentItem,
    }),
  );

  router.json(
    defineRoute({
      method: 'get',
      path: '/incidents/{id}',
      access: 'viewer',
      action: 'read incidents',
      tag: 'Incidents',
      summary: 'An incident with all its updates, and its timeline: every committed change with who or which run caused it',
      params: idParamsSchema,
      response: z.object({
        incident: incidentItemSchema.extend({ updates: z.array(z.object({ message: z.string(), statusChange: z.object({ from: incidentStatusSchema, to: incidentStatusSchema }).optional(), at: z.number() })) }),
        timeline: z.array(incidentTimelineEntrySchema).meta({ description: 'Oldest first (the first 1000 changes)' }),
      }),
      errors: ['NOT_FOUND'],
      handle: async ({ params: { id } }) => {
        const row = (await states.page({ kind: 'incident', ids: [id], where: [], order: byId, limit: 1 })).rows[0];
        if (!row) throw new HttpRequestError('NOT_FOUND', `no incident "${id}"`);
        const transitions = await options.runtime.history('incident', id, { fromVersion: 1, limit: 1000 });
        return { incident: { ...incidentItem(row), updates: (row.state as { updates: [] }).updates }, timeline: incidentTimeline(transitions) };
      },
    }),
  );

  router.json(
    stateListRoute(states, {
      path: '/satellites',
      kind: 'satellite',
      tag: 'Satellites',
      summary: 'Satellites with their status and where they are connected, by id',
      filters: {
        status: commaList(satelliteStatusSchema.options, 'Only satellites in these statuses'),
        region: z.string().min(1).max(100).optional().meta({ description: 'Only satellites of this region' }),
      },
      where: (query) => conditions(query.status && { field: 'status', oneOf: query.status }, query.region !== undefined && { field: 'region', equals: query.region }),
      order: byId,
      item: satelliteItemSchema,
      pageId: 'SatellitePage',
      toItem: satelliteItem,
    }),
  );

  router.json(
    defineRoute({
      method: 'get',
      path: '/satellites/{id}',
      access: 'viewer',
      action: 'read satellites',
      tag: 'Satellites',
      summary: 'A satellite and the checks assigned to it',
      params: idParamsSchema,
      response: z.object({ satellite: satelliteItemSchema, checks: z.array(checkItemSchema).meta({ description: 'Assigned checks (up to 500)' }) }),
      errors: ['NOT_FOUND'],
      handle: async ({ params: { id } }) => {
        const [satellite, checks] = await Promise.all([
          states.page({ kind: 'satellite', ids: [id], where: [], order: byId, limit: 1 }),
          states.page({ kind: 'check', where: [{ field: 'satelliteIds', includes: id }], order: byId, limit: 500 }),
        ]);
        if (!satellite.rows[0]) throw new HttpRequestError('NOT_FOUND', `no satellite "${id}"`);
        return { satellite: satelliteItem(satellite.rows[0]), checks: checks.rows.map(checkItem) };
      },
    }),
  );

  router.json(
    stateListRoute(states, {
      path: '/checks',
      kind: 'check',
      tag: 'Satellites',
      summary: 'Check definitions, by id',
      filters: {
        system: idParameter.optional().meta({ description: 'Only checks of this system' }),
        satellite: idParameter.optional().meta({ description: 'Only checks assigned to this satellite' }),
      },
      where: (query) => conditions(query.system !== undefined && { field: 'systemId', equals: query.system }, query.satellite !== undefined && { field: 'satelliteIds', includes: query.satellite }),
      order: byId,
      item: checkItemSchema,
      pageId: 'CheckPage',
      toItem: checkItem,
    }),
  );

  router.json(
    stateListRoute(states, {
      path: '/maintenance',
      kind: 'maintenance',
      tag: 'Maintenance',
      summary: 'Maintenance windows, by id',
      filters: {
        status: commaList(maintenanceStatusSchema.options, 'Only maintenance in these statuses'),
        system: idParameter.optional().meta({ description: 'Only maintenance naming this system' }),
      },
      where: (query) => conditions(query.status && { field: 'status', oneOf: query.status }, query.system !== undefined && { field: 'systemIds', includes: query.system }),
      order: byId,
      item: maintenanceItemSchema,
      pageId: 'MaintenancePage',
      toItem: maintenanceItem,
    }),
  );

  router.json(
    stateListRoute(states, {
      path: '/automations',
      kind: 'automation',
      tag: 'Automations',
      summary: 'Automations with their definitions, by id',
      filters: { enabled: z.enum(['true', 'false']).optional().meta({ description: 'Only enabled (true) or disabled (false) ones' }) },
      where: (query) => conditions(query.enabled !== undefined && { field: 'enabled', equals: query.enabled }),
      order: byId,
      item: automationItemSchema,
      pageId: 'AutomationPage',
      toItem: automationItem,
    }),
  );

  router.json(
    stateListRoute(states, {
      path: '/runs',
      kind: 'automation_run',
      tag: 'Automations',
      summary: 'Automation runs, newest start first (status=running,waiting: the runs active now)',
      filters: {
        automation: idParameter.optional().meta({ description: 'Only runs of this automation' }),
        status: commaList(runStatusSchema.options, 'Only runs in these statuses'),
        since: epochMsParameter('Started at or after'),
        until: epochMsParameter('Started at or before'),
      },
      where: (query) => conditions(query.automation !== undefined && { field: 'automationId', equals: query.automation }, query.status && { field: 'status', oneOf: query.status }, query.since !== undefined && { field: 'startedAt', atLeast: query.since }, query.until !== undefined && { field: 'startedAt', atMost: query.until }),
      order: newestFirst('startedAt'),
      item: runItemSchema,
      pageId: 'RunPage',
      toItem: runItem,
    }),
  );

  router.json(
    defineRoute({
      method: 'get',
      path: '/runs/queued',
      access: 'viewer',
      action: 'list runs',
      tag: 'Automations',
      summary: "Runs queued now (automations in `queued` mode): fires waiting for their scope's active run, in the order they will start",
      description: 'A queued run is not an automation_run entity yet: it starts (and appears in /runs) when the run before it ends. At most 1000, by scope.',
      query: z.strictObject({ automation: idParameter.optional().meta({ description: 'Only the queue of this automation' }) }),
      response: z.object({ items: z.array(queuedRunSchema) }),
      handle: async ({ query }) => {
        const scopes = await states.page({
          kind: 'automation_scope',
          where: conditions({ field: 'queue', nonEmpty: true }, query.automation !== undefined && { field: 'automationId', equals: query.automation }),
          order: byId,
          limit: 1000,
        });
        return { items: scopes.rows.flatMap(queuedRunsOf).slice(0, 1000) };
      },
    }),
  );

  router.json(
    defineRoute({
      method: 'get',
      path: '/runs/{id}',
      access: 'viewer',
      action: 'read runs',
      tag: 'Automations',
      summary: 'A run with its trace: the trigger, each condition and each step (input, output, attempts, error), and its notification deliveries with every attempt',
      params: idParamsSchema,
      response: runDetailSchema,
      errors: ['NOT_FOUND'],
      handle: async ({ params: { id } }) => {
        const row = (await states.page({ kind: 'automation_run', ids: [id], where: [], order: byId, limit: 1 })).rows[0];
        if (!row) throw new HttpRequestError('NOT_FOUND', `no run "${id}"`);
        const deliveries = (await options.deliveries.page({ runId: id, limit: 200 })).rows.reverse();
        const attempts = await options.deliveries.attemptsOf(deliveries.map((delivery) => delivery.id));
        return {
          ...(row.state as Omit<z.infer<typeof runDetailSchema>, 'deliveries'>),
          id: row.id,
          version: row.version,
          updatedAt: row.updatedAt,
          deliveries: deliveries.map((delivery) => deliveryWithAttempts(delivery, attempts.get(delivery.id) ?? [])),
        };
      },
    }),
  );
}

/** `open` alone is `status <> 'resolved'` (the open-incidents index); otherwise the statuses named, `open` standing for the four open ones. */
function statusCondition(statuses: Array<'open' | z.infer<typeof incidentStatusSchema>> | undefined) {
  if (statuses === undefined) return undefined;
  const expanded = new Set(statuses.flatMap((status) => (status === 'open' ? openStatuses : [status])));
  if (expanded.size === openStatuses.length && !expanded.has('resolved')) return { field: 'status', notEquals: 'resolved' } as const;
  return { field: 'status', oneOf: [...expanded] } as const;
}
