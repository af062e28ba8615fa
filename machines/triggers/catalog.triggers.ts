import { z } from 'zod';
import { groupStateSchema } from '../group.machine.ts';
import { systemStateSchema } from '../system.machine.ts';
import { defineTrigger, fire } from './define-trigger.ts';
import type { ChangeDeriver } from './trigger-definition.ts';

const systemPayloadSchema = z.object({
  systemId: z.string(),
  systemName: z.string(),
  /** Top-level reactive-state fields that changed (all fields on create and delete). */
  changedFields: z.array(z.string()),
});
export type CatalogSystemPayload = z.infer<typeof systemPayloadSchema>;

const groupPayloadSchema = z.object({ groupId: z.string(), groupName: z.string() });
export type CatalogGroupPayload = z.infer<typeof groupPayloadSchema>;

const category = 'Catalog';

/** A system was created (its first change). */
export const catalogCreated = defineTrigger({
  id: 'catalog.created',
  displayName: 'System created',
  category,
  description: 'A system was added to the catalog.',
  contextKey: 'systemId',
  payloadSchema: systemPayloadSchema,
});

/** An existing system changed; `changedFields` says which fields. */
export const catalogUpdated = defineTrigger({
  id: 'catalog.updated',
  displayName: 'System updated',
  category,
  description: 'A field of a catalog system changed (name, description, metadata or groups).',
  contextKey: 'systemId',
  payloadSchema: systemPayloadSchema,
});

/** A system was deleted; the payload carries its last name. */
export const catalogDeleted = defineTrigger({
  id: 'catalog.deleted',
  displayName: 'System deleted',
  category,
  description: 'A system was removed from the catalog.',
  contextKey: 'systemId',
  payloadSchema: systemPayloadSchema,
});

export const catalogGroupCreated = defineTrigger({
  id: 'catalog.group.created',
  displayName: 'Group created',
  category,
  description: 'A group was added to the catalog.',
  contextKey: 'groupId',
  payloadSchema: groupPayloadSchema,
});

export const catalogGroupDeleted = defineTrigger({
  id: 'catalog.group.deleted',
  displayName: 'Group deleted',
  category,
  description: 'A group was removed from the catalog.',
  contextKey: 'groupId',
  payloadSchema: groupPayloadSchema,
});

export const catalogTriggers = [catalogCreated, catalogUpdated, catalogDeleted, catalogGroupCreated, catalogGroupDeleted];

/**
 * Triggers of `system` and `group` changes: created on `prev === null`, deleted on
 * `next === null`, updated otherwise (systems only: group updates fire nothing).
 */
export const deriveCatalogTriggers: ChangeDeriver = (change) => {
  if (change.prev === null && change.next === null) return [];
  if (change.kind === 'system') {
    const state = systemStateSchema.parse(change.next ?? change.prev);
    const definition = change.prev === null ? catalogCreated : change.next === null ? catalogDeleted : catalogUpdated;
    return [fire(definition, { systemId: change.id, systemName: state.name, changedFields: change.changedFields })];
  }
  if (change.kind === 'group') {
    const state = groupStateSchema.parse(change.next ?? change.prev);
    if (change.prev === null) return [fire(catalogGroupCreated, { groupId: change.id, groupName: state.name })];
    if (change.next === null) return [fire(catalogGroupDeleted, { groupId: change.id, groupName: state.name })];
  }
  return [];
};
