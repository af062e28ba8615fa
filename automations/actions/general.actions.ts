import { z } from 'zod';
import { metadataSchema } from '../../machines/index.ts';
import { defineAction, PermanentActionError } from './action-provider.ts';

const logConfig = z.object({ message: z.string().min(1).max(10_000), level: z.enum(['debug', 'info', 'warn', 'error']).default('info') });
export const automationLog = defineAction({
  id: 'automation.log',
  displayName: 'Write to the log',
  description: 'Writes a message to the node log (secrets masked) and the run trace.',
  config: logConfig,
  async execute(config, context) {
    context.log[config.level]({ runId: context.runId, automationId: context.automationId }, config.message);
    return { output: { message: config.message } };
  },
});

const metadataConfig = z.object({
  systemId: z.string().min(1).max(128),
  /** Merged into the system's metadata; a key set to null is removed. */
  metadata: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
});
export const catalogUpdateMetadata = defineAction({
  id: 'catalog.update_metadata',
  displayName: 'Update a system\'s metadata',
  description: 'Merges keys into a system\'s metadata (null removes a key). Applying the same values again changes nothing.',
  config: metadataConfig,
  async execute(config, context) {
    const system = await context.read('system', config.systemId);
    if (!system) throw new PermanentActionError(`no system ${config.systemId}`);
    const merged: Record<string, unknown> = { ...(system.metadata as Record<string, unknown>) };
    for (const [key, value] of Object.entries(config.metadata)) {
      if (value === null) delete merged[key];
      else merged[key] = value;
    }
    const metadata = metadataSchema.parse(merged);
    await context.dispatch('system', config.systemId, { type: 'update', metadata });
    return { output: { systemId: config.systemId, metadata } };
  },
});
