import { z } from 'zod';
import { builtInActions } from '../automations/actions/action-catalog.ts';
import { listTriggers } from '../machines/index.ts';
import type { CommandLine } from './command-line.ts';

/** `vigil catalog`: every trigger and provider action, with their JSON Schemas. */
export async function catalogCommand(line: CommandLine): Promise<number> {
  const { json } = line.options(z.object({ json: z.boolean().optional() }));
  const triggers = listTriggers();
  const actions = [...builtInActions.values()].map((action) => ({
    id: action.id,
    displayName: action.displayName,
    description: action.description,
    latestVersion: action.latestVersion,
    ...(action.produces ? { produces: action.produces } : {}),
    ...(action.secretFields ? { secretFields: action.secretFields } : {}),
    configJsonSchema: Object.fromEntries(Object.entries(action.versions).map(([version, schema]) => [version, z.toJSONSchema(schema, { io: 'input' })])),
  }));
  if (json) {
    console.log(JSON.stringify({ triggers, actions }, null, 2));
    return 0;
  }
  console.log('triggers:');
  for (const trigger of triggers) console.log(`  ${trigger.id.padEnd(36)} context ${trigger.contextKey.padEnd(14)} ${trigger.displayName}`);
  console.log('actions:');
  for (const action of actions) console.log(`  ${action.id.padEnd(36)} v${action.latestVersion}${action.produces ? ` → ${action.produces}` : ''}  ${action.displayName}`);
  console.log('\n(--json prints the payload and config JSON Schemas)');
  return 0;
}
