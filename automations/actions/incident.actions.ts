import { createHash } from 'node:crypto';
import { z } from 'zod';
import { isEventNotAllowed } from '../../actors/index.ts';
import { incidentSeveritySchema, incidentStatusSchema } from '../../machines/index.ts';
import { defineAction, PermanentActionError, type ActionContext } from './action-provider.ts';

const idSchema = z.string().min(1).max(128);

/** The `incident` artifact: what later steps (and later runs of the scope) read as `artifacts.incident`. */
export const incidentArtifactSchema = z.object({ id: z.string(), systemIds: z.array(z.string()), reused: z.boolean() });

/**
 * The incident an action addresses: the config's `incidentId` when given (an explicit id wins),
 * else the run's `incident` artifact.
 */
function targetIncident(config: { incidentId?: string | undefined }, context: ActionContext): string {
  if (config.incidentId) return config.incidentId;
  const artifact = incidentArtifactSchema.safeParse(context.artifacts.incident);
  if (artifact.success) return artifact.data.id;
  throw new PermanentActionError('no incidentId in the config and no incident artifact from an earlier step');
}

/** The targeted incident (see `targetIncident`) and its state; a missing one fails the step for good. */
async function existingIncident(config: { incidentId?: string | undefined }, context: ActionContext) {
  const incidentId = targetIncident(config, context);
  const state = await context.read('incident', incidentId);
  if (!state) throw new PermanentActionError(`no incident ${incidentId}`);
  return { incidentId, state };
}

const createConfig = z.object({
  title: z.string().min(1).max(200),
  severity: incidentSeveritySchema.default('major'),
  systemIds: z.array(idSchema).min(1).max(100),
  description: z.string().max(10_000).default(''),
  /** Posted as the incident's first update. */
  message: z.string().min(1).max(10_000).optional(),
  /** Reuse the open incident of the first system (opened by an automation) instead of opening a second one. */
  dedupe_open_for_system: z.boolean().default(false),
});

/**
 * Incident ids an action chooses, so that retries and races meet at the same entity:
 * - with dedupe: `auto-<system>-<n>`, n counting this system's automation incidents. Two runs
 *   racing both see the same latest n; both create incident n+1 and the entity accepts exactly
 *   one `create` — the other run finds it and reuses it.
 * - without: derived from the idempotency key, so a retried step creates nothing new.
 */
async function chooseIncidentId(config: z.output<typeof createConfig>, context: ActionContext): Promise<{ id: string; reuseIfOpen: boolean }> {
  if (!config.dedupe_open_for_system) {
    return { id: `inc-${createHash('sha256').update(context.idempotencyKey).digest('hex').slice(0, 20)}`, reuseIfOpen: false };
  }
  const systemId = config.systemIds[0]!;
  const prefix = `auto-${systemId.length > 100 ? createHash('sha256').update(systemId).digest('hex').slice(0, 32) : systemId}-`;
  const latest = await context.latestId('incident', prefix);
  if (latest) {
    const state = await context.read('incident', latest);
    if (state && state.status !== 'resolved') return { id: latest, reuseIfOpen: true };
  }
  const n = latest ? Number(latest.slice(prefix.length)) + 1 : 1;
  return { id: `${prefix}${n}`, reuseIfOpen: true };
}

export const incidentCreate = defineAction({
  id: 'incident.create',
  displayName: 'Open an incident',
  description: 'Opens an incident for systems. With dedupe_open_for_system, reuses the open incident of the first system (also when two runs race). Produces an `incident` artifact.',
  produces: 'incident',
  config: createConfig,
  async execute(config, context) {
    const { id, reuseIfOpen } = await chooseIncidentId(config, context);
    try {
      await context.dispatch('incident', id, {
        type: 'create',
        title: config.title,
        severity: config.severity,
        systemIds: config.systemIds,
        description: config.description,
      });
    } catch (error) {
      if (!isEventNotAllowed(error)) throw error;
      // It exists: created by this step before a crash, or by a racing run (dedupe).
      const existing = await context.read('incident', id);
      const reusable = existing !== null && (reuseIfOpen ? existing.status !== 'resolved' : true);
      if (!reusable) throw new Error(`incident ${id} exists and is resolved; retry picks the next id`);
      if (reuseIfOpen) {
        context.log.info({ incidentId: id }, 'open incident reused (dedupe)');
        return { output: { incidentId: id, reused: true }, artifact: { type: 'incident', value: { id, systemIds: config.systemIds, reused: true } } };
      }
    }
    if (config.message) await postOnce(context, id, { type: 'post_update', message: config.message });
    return { output: { incidentId: id, reused: false }, artifact: { type: 'incident', value: { id, systemIds: config.systemIds, reused: false } } };
  },
});

/** Posts an update unless an identical one is the incident's latest (a retried step). */
async function postOnce(context: ActionContext, incidentId: string, event: { type: 'post_update'; message: string; status?: string }) {
  const state = await context.read('incident', incidentId);
  const updates = (state?.updates as Array<{ message: string }> | undefined) ?? [];
  if (updates.at(-1)?.message === event.message) return;
  await context.dispatch('incident', incidentId, event);
}

const resolveConfig = z.object({ incidentId: idSchema.optional(), message: z.string().max(10_000).default('') });
export const incidentResolve = defineAction({
  id: 'incident.resolve',
  displayName: 'Resolve an incident',
  description: 'Resolves the incident (config incidentId, else the run\'s `incident` artifact). Resolving a resolved incident is a no-op.',
  config: resolveConfig,
  async execute(config, context) {
    const { incidentId, state } = await existingIncident(config, context);
    if (state.status === 'resolved') return { output: { incidentId, alreadyResolved: true } };
    await context.dispatch('incident', incidentId, { type: 'resolve', message: config.message });
    return { output: { incidentId, alreadyResolved: false } };
  },
});

const addUpdateConfig = z.object({ incidentId: idSchema.optional(), message: z.string().min(1).max(10_000), status: incidentStatusSchema.optional() });
export const incidentAddUpdate = defineAction({
  id: 'incident.add_update',
  displayName: 'Post an incident update',
  description: 'Posts a message (optionally with a new status) to the incident (config incidentId, else the `incident` artifact).',
  config: addUpdateConfig,
  async execute(config, context) {
    const incidentId = targetIncident(config, context);
    await postOnce(context, incidentId, { type: 'post_update', message: config.message, ...(config.status ? { status: config.status } : {}) });
    return { output: { incidentId } };
  },
});

const updateStatusConfig = z.object({ incidentId: idSchema.optional(), status: incidentStatusSchema, message: z.string().max(10_000).optional() });
export const incidentUpdateStatus = defineAction({
  id: 'incident.update_status',
  displayName: 'Change an incident\'s status',
  description: 'Sets the status of the incident (config incidentId, else the `incident` artifact). Setting the status it has is a no-op.',
  config: updateStatusConfig,
  async execute(config, context) {
    const { incidentId, state } = await existingIncident(config, context);
    if (state.status === config.status) return { output: { incidentId, changed: false } };
    await context.dispatch('incident', incidentId, { type: 'post_update', message: config.message ?? `status: ${config.status}`, status: config.status });
    return { output: { incidentId, changed: true } };
  },
});
