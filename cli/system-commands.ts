import { z } from 'zod';
import type { SystemItem } from '../gateway/query/items.ts';
import type { CommandLine } from './command-line.ts';
import { withNode } from './node-client.ts';
import { choiceListSchema, idSchema } from './option-schemas.ts';
import { listOptions, printList, readList } from './query-list.ts';

// `vigil system list`: the systems with their health, through the query API (GET /systems).

const systemListOptions = listOptions.extend({
  health: choiceListSchema(['healthy', 'degraded', 'unhealthy', 'unknown']).optional(),
  group: idSchema.optional(),
  search: z.string().min(1, 'must not be empty').max(100, 'at most 100 characters').optional(),
  sort: z.enum(['name', 'health'], { error: 'expected name or health' }).optional(),
});

/** `vigil system list [--health …] [--group ID] [--search TEXT] [--sort name|health]`. */
export async function listSystems(line: CommandLine): Promise<number> {
  const options = line.options(systemListOptions);
  return withNode(line.configFile, async (node) => {
    const list = await readList<SystemItem>(node, '/systems', { health: options.health?.join(','), group: options.group, q: options.search, sort: options.sort }, options);
    return printList(list, options, {
      ID: (system) => system.id,
      NAME: (system) => system.name,
      HEALTH: (system) => system.health?.status ?? 'unknown',
      CHECKS: (system) => (system.health ? `${system.health.healthyChecks}/${system.health.totalChecks} healthy` : '-'),
    });
  });
}
