import { z } from 'zod';
import type { StatusPageRows } from '../persistence/index.ts';

/** Days of uptime on the page, today (partial, UTC) last. */
export const STATUS_PAGE_DAYS = 90;
/** Resolved incidents stay on the page this long after they were resolved. */
export const RESOLVED_INCIDENTS_SHOWN_MS = 7 * 86_400_000;
/** At most this many incidents and this many maintenances (the newest incidents). */
export const STATUS_PAGE_LIST_LIMIT = 100;

export const systemStatusSchema = z.enum(['operational', 'degraded', 'outage', 'maintenance']);
export type SystemStatus = z.infer<typeof systemStatusSchema>;

/**
 * The public status page, `GET /status.json` (docs/PROTOCOL.md, "Status page"). Only what is
 * meant for the public: names and statuses of the configured groups' systems, incident titles and
 * their update messages, maintenance titles and descriptions; never metadata, system
 * descriptions, actors, causes, or the ids of systems not shown.
 */
export const statusPageSchema = z.object({
  title: z.string(),
  /** False while no group is configured: every list is empty. */
  enabled: z.boolean(),
  /** Epoch ms (the cluster's clock) when this document was computed. */
  generatedAt: z.number(),
  groups: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      systems: z.array(
        z.object({
          id: z.string(),
          name: z.string(),
          status: systemStatusSchema,
          /** 90 UTC days, oldest first, the last one is today so far. */
          uptime: z.array(
            z.object({
              day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
              /** Fraction of the day's known time the system was not unhealthy (degraded counts as up); null: no health data that day. */
              ratio: z.number().min(0).max(1).nullable(),
            }),
          ),
        }),
      ),
    }),
  ),
  /** Open incidents and those resolved in the last 7 days that touch a shown system, newest first. */
  incidents: z.array(
    z.object({
      id: z.string(),
      title: z.string(),
      status: z.string(),
      severity: z.string(),
      /** Only the shown systems among those the incident touches. */
      systemIds: z.array(z.string()),
      createdAt: z.number(),
      resolvedAt: z.number().nullable(),
      /** Oldest first; `status` when the update changed the incident's status (the new one). */
      updates: z.array(z.object({ message: z.string(), status: z.string().optional(), at: z.number() })),
    }),
  ),
  /** Active maintenance first, then scheduled by start. */
  maintenance: z.array(
    z.object({
      id: z.string(),
      title: z.string(),
      description: z.string(),
      systemIds: z.array(z.string()),
      status: z.enum(['active', 'scheduled']),
      /** The current window while active, the next one while scheduled (epoch ms). */
      startsAt: z.number(),
      endsAt: z.number(),
    }),
  ),
});
export type StatusPage = z.infer<typeof statusPageSchema>;

/** The window the uptime rows cover: `days` UTC days ending with today, up to `now`. */
export function uptimeWindow(now: number, days = STATUS_PAGE_DAYS): { fromMs: number; toMs: number; days: number } {
  const today = Math.floor(now / 86_400_000) * 86_400_000;
  return { fromMs: today - (days - 1) * 86_400_000, toMs: now, days };
}

const healthToStatus: Record<string, SystemStatus> = { healthy: 'operational', degraded: 'degraded', unhealthy: 'outage' };

/**
 * Builds the document from the rows `StatusPageQuery` read (pure: same rows, same document).
 * A system in an active maintenance shows `maintenance` whatever its health; a system without a
 * health entity (no check ever reported) shows `operational`, and its uptime days are null.
 * Every list of system ids is cut down to the shown systems.
 */
export function buildStatusPage(rows: StatusPageRows, options: { title: string; groupIds: string[]; now: number; days?: number }): StatusPage {
  const enabled = options.groupIds.length > 0;
  const window = uptimeWindow(options.now, options.days);
  const groupsById = new Map(rows.groups.map((group) => [group.id, group]));
  const groups = options.groupIds.flatMap((id) => {
    const group = groupsById.get(id);
    return group ? [group] : [];
  });
  const shownGroups = new Set(groups.map((group) => group.id));
  const systems = rows.systems.filter((system) => system.groupIds.some((id) => shownGroups.has(id)));
  const shown = new Set(systems.map((system) => system.id));
  const onlyShown = (ids: string[]) => ids.filter((id) => shown.has(id));

  const maintenance = rows.maintenance
    .flatMap((item) => {
      const window = item.status === 'active' ? item.currentWindow : item.status === 'scheduled' ? item.nextWindow : null;
      const systemIds = onlyShown(item.systemIds);
      if (window === null || systemIds.length === 0) return [];
      return [{ id: item.id, title: item.title, description: item.description, systemIds, status: item.status as 'active' | 'scheduled', startsAt: window.startsAt, endsAt: window.endsAt }];
    })
    .sort((a, b) => (a.status === b.status ? a.startsAt - b.startsAt || a.id.localeCompare(b.id) : a.status === 'active' ? -1 : 1));
  const inMaintenance = new Set(maintenance.filter((item) => item.status === 'active').flatMap((item) => item.systemIds));
  const health = new Map(rows.health.map((row) => [row.systemId, row.status]));
  const uptime = uptimeBySystem(rows.uptime, window.days);

  return {
    title: options.title,
    enabled,
    generatedAt: options.now,
    groups: groups.map((group) => ({
      id: group.id,
      name: group.name,
      systems: systems
        .filter((system) => system.groupIds.includes(group.id))
        .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id))
        .map((system) => ({
          id: system.id,
          name: system.name,
          status: inMaintenance.has(system.id) ? 'maintenance' : (healthToStatus[health.get(system.id) ?? 'healthy'] ?? 'operational'),
          uptime: Array.from({ length: window.days }, (_, day) => ({ day: dayName(window.fromMs, day), ratio: uptime.get(system.id)?.[day] ?? null })),
        })),
    })),
    incidents: rows.incidents
      .map((incident) => ({ ...incident, systemIds: onlyShown(incident.systemIds) }))
      .filter((incident) => incident.systemIds.length > 0)
      .sort((a, b) => b.createdAt - a.createdAt || a.id.localeCompare(b.id))
      .map((incident) => ({
        id: incident.id,
        title: incident.title,
        status: incident.status,
        severity: incident.severity,
        systemIds: incident.systemIds,
        createdAt: incident.createdAt,
        resolvedAt: incident.resolvedAt,
        updates: incident.updates.map((update) => ({ message: update.message, ...(update.statusChange ? { status: update.statusChange.to } : {}), at: update.at })),
      })),
    maintenance,
  };
}

/**
 * Per system, the ratio of each day: passed / results, rounded down to 6 decimals (a day with one
 * failed result in a million never shows as 1); days without results are absent (null on the page).
 */
function uptimeBySystem(rows: StatusPageRows['uptime'], days: number): Map<string, Array<number | null>> {
  const bySystem = new Map<string, Array<number | null>>();
  for (const row of rows) {
    if (row.day < 0 || row.day >= days || row.results <= 0) continue;
    let ratios = bySystem.get(row.systemId);
    if (!ratios) bySystem.set(row.systemId, (ratios = Array.from({ length: days }, () => null)));
    ratios[row.day] = Math.min(1, Math.max(0, Math.floor((row.passed * 1e6) / row.results) / 1e6));
  }
  return bySystem;
}

function dayName(fromMs: number, day: number): string {
  return new Date(fromMs + day * 86_400_000).toISOString().slice(0, 10);
}
