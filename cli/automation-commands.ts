import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { automationJsonSchema, type AutomationDefinition } from '../automations/definition/index.ts';
import { checkAutomationText } from '../automations/save-check.ts';
import type { CommandLine } from './command-line.ts';
import { fail, UsageError } from './exit.ts';
import { CommandRefusedError, withNode } from './node-client.ts';
import { idSchema } from './option-schemas.ts';
import { withTemplate } from './template-commands.ts';

// `vigil automation …`: definitions are `automation` entities, so
// saving one is a command to the cluster like any other (stored with its history, emitted, picked
// up by every node's router). Every document is checked against the catalogs before anything is
// sent: one bad definition in a file sends nothing.

const jsonOption = z.object({ json: z.boolean().optional() });

/** `vigil automation apply -f FILE`. */
export async function applyAutomations(line: CommandLine): Promise<number> {
  const { file } = line.options(z.object({ file: z.string().min(1) }));
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
  }
  const checked = checkAutomationText(text, file.endsWith('.json') ? 'json' : 'yaml');
  if (!checked.ok) throw new UsageError(`${file} is not valid:\n${checked.errors.map((error) => `  - ${error.path}: ${error.message}`).join('\n')}`);
  return saveAutomations(line, checked.definitions);
}

/** `vigil automation template apply NAME`: the template rendered and checked, saved like `apply`. */
export async function applyTemplate(line: CommandLine): Promise<number> {
  return withTemplate(line, (rendered) => saveAutomations(line, [rendered.definition]));
}

/** Sends checked definitions to the cluster, one `save` each, and prints what each did. */
function saveAutomations(line: CommandLine, definitions: AutomationDefinition[]): Promise<number> {
  return withNode(line.configFile, async (cluster) => {
    for (const definition of definitions) {
      const change = await cluster.send('automation', definition.id, { type: 'save', definition });
      console.log(`automation ${definition.id}: ${change ? `saved (revision ${String((change.next as { revision?: number } | null)?.revision ?? '?')})` : 'unchanged'}`);
    }
    return 0;
  });
}

export async function listAutomations(line: CommandLine): Promise<number> {
  const { json } = line.options(jsonOption);
  return withNode(line.configFile, async (node) => {
    const rows = await node.list<{ revision: number; enabled: boolean; definition: { name: string; mode: string; triggers: Array<{ event: string }> } }>('automation');
    if (json) console.log(JSON.stringify(rows.map((row) => ({ id: row.id, ...row.state })), null, 2));
    else for (const { id, state } of rows) {
      console.log(`${id.padEnd(32)} ${state.enabled ? 'enabled ' : 'disabled'} r${state.revision} ${state.definition.mode.padEnd(8)} ${state.definition.triggers.map((trigger) => trigger.event).join(', ')}  ${state.definition.name}`);
    }
    return 0;
  });
}

export async function showAutomation(line: CommandLine): Promise<number> {
  const id = line.argument(0, idSchema);
  return withNode(line.configFile, async (node) => {
    const state = await node.get('automation', id);
    if (!state) return fail(`no automation ${id}`);
    console.log(JSON.stringify(state, null, 2));
    return 0;
  });
}

/** `vigil automation enable|disable|delete ID`. */
export async function switchAutomation(line: CommandLine, action: 'enable' | 'disable' | 'delete'): Promise<number> {
  const id = line.argument(0, idSchema);
  return withNode(line.configFile, async (cluster) => {
    try {
      const change = await cluster.send('automation', id, { type: action });
      console.log(`automation ${id}: ${change ? `${action}d` : 'unchanged'}`);
      return 0;
    } catch (error) {
      if (error instanceof CommandRefusedError && error.code === 'EVENT_NOT_ALLOWED') return fail(`automation ${id}: cannot ${action} (no such automation, or already ${action}d)`);
      throw error;
    }
  });
}

/** `vigil automation schema`; also committed as docs/automation.schema.json (test/docs/automation-schema.test.ts keeps it current). */
export async function printAutomationSchema(): Promise<number> {
  console.log(JSON.stringify(automationJsonSchema(), null, 2));
  return 0;
}
