import { readFileSync } from 'node:fs';
import { builtInActions } from '../automations/actions/action-catalog.ts';
import { automationJsonSchema, type AutomationDefinition } from '../automations/definition/index.ts';
import { checkAutomationText } from '../automations/save-check.ts';
import { listTriggers, type AutomationRunState } from '../machines/index.ts';
import type { VigilConfig } from '../node/index.ts';
import { z } from 'zod';
import { CommandRefusedError, NodeClient } from './node-client.ts';
import { fail, usage } from './exit.ts';
import { templateCommand, templateUsage, type TemplateFlags } from './template-commands.ts';

const automationUsage = `vigil automation apply -f <file.yaml> | list | show <id> | enable <id> | disable <id> | delete <id> | schema\n       ${templateUsage}`;

/**
 * `vigil automation …`: definitions are `automation` entities, so saving one is a command to
 * the cluster like any other (stored with its history, emitted, picked up by every node's
 * router). Every document is checked against the catalogs before anything is sent: one bad
 * definition in a file sends nothing.
 */
export async function automationCommand(config: VigilConfig, args: string[], flags: { file?: string | undefined } & TemplateFlags): Promise<number> {
  const [action, id] = args;
  switch (action) {
    case 'apply': {
      if (!flags.file) return usage(automationUsage);
      let text: string;
      try {
        text = readFileSync(flags.file, 'utf8');
      } catch (error) {
        return usage(`cannot read ${flags.file}: ${(error as Error).message}`);
      }
      const checked = checkAutomationText(text, flags.file.endsWith('.json') ? 'json' : 'yaml');
      if (!checked.ok) return usage(`${flags.file} is not valid:\n${checked.errors.map((error) => `  - ${error.path}: ${error.message}`).join('\n')}`);
      return saveAutomations(config, checked.definitions);
    }
    case 'template':
      return templateCommand(args.slice(1), flags, (definitions) => saveAutomations(config, definitions));
    case 'schema':
      // Also committed as docs/automation.schema.json (test/docs/automation-schema.test.ts keeps it current).
      console.log(JSON.stringify(automationJsonSchema(), null, 2));
      return 0;
    case 'list':
      return withNode(config, async (node) => {
        const rows = await node.list<{ revision: number; enabled: boolean; definition: { name: string; mode: string; triggers: Array<{ event: string }> } }>('automation');
        if (flags.json) console.log(JSON.stringify(rows.map((row) => ({ id: row.id, ...row.state })), null, 2));
        else for (const { id: automationId, state } of rows) {
          console.log(`${automationId.padEnd(32)} ${state.enabled ? 'enabled ' : 'disabled'} r${state.revision} ${state.definition.mode.padEnd(8)} ${state.definition.triggers.map((trigger) => trigger.event).join(', ')}  ${state.definition.name}`);
        }
        return 0;
      });
    case 'show':
      if (!id) return usage(automationUsage);
      return withNode(config, async (node) => {
        const state = await node.get('automation', id);
        if (!state) return fail(`no automation ${id}`);
        console.log(JSON.stringify(state, null, 2));
        return 0;
      });
    case 'enable':
    case 'disable':
    case 'delete':
      if (!id) return usage(automationUsage);
      return withNode(config, async (cluster) => {
        try {
          const change = await cluster.send('automation', id, { type: action });
          console.log(`automation ${id}: ${change ? `${action}d` : 'unchanged'}`);
          return 0;
        } catch (error) {
          if (error instanceof CommandRefusedError && error.code === 'EVENT_NOT_ALLOWED') return fail(`automation ${id}: cannot ${action} (no such automation, or already ${action}d)`);
          throw error;
        }
      });
    default:
      return usage(automationUsage);
  }
}

/** Sends checked definitions to the cluster, one `save` each, and prints what each did. */
function saveAutomations(config: VigilConfig, definitions: AutomationDefinition[]): Promise<number> {
  return withNode(config, async (cluster) => {
    for (const definition of definitions) {
      const change = await cluster.send('automation', definition.id, { type: 'save', definition });
      console.log(`automation ${definition.id}: ${change ? `saved (revision ${String((change.next as { revision?: number } | null)?.revision ?? '?')})` : 'unchanged'}`);
    }
    return 0;
  });
}

const runsUsage = 'vigil runs list [--automation <id>] [--json] | show <runId> [--json]';

/** `vigil runs list | show RUN`: run traces, read from the stored `automation_run` entities. */
export async function runsCommand(config: VigilConfig, args: string[], flags: { automation?: string | undefined; json?: boolean | undefined }): Promise<number> {
  const [action, runId] = args;
  if (action === 'list') {
    return withNode(config, async (node) => {
      const rows = await node.recent<AutomationRunState>('automation_run', 100, flags.automation ? { automationId: flags.automation } : {});
      if (flags.json) console.log(JSON.stringify(rows.map((row) => summary(row.state)), null, 2));
      else for (const row of rows) {
        const run = summary(row.state);
        console.log(`${run.runId.padEnd(40)} ${run.status.padEnd(9)} ${new Date(run.startedAt).toISOString()} ${String(run.steps).padStart(3)} steps  ${run.trigger ?? ''}${run.reason ? `  (${run.reason})` : ''}`);
      }
      return 0;
    });
  }
  if (action === 'show' && runId) {
    return withNode(config, async (node) => {
      const state = (await node.get('automation_run', runId)) as AutomationRunState | null;
      if (!state) return fail(`no run ${runId}`);
      if (flags.json) {
        console.log(JSON.stringify({ ...state, definition: undefined }, null, 2));
        return 0;
      }
      console.log(`run ${state.runId} of ${state.automationId} (revision ${state.revision}): ${state.status}${state.reason ? ` (${state.reason})` : ''}`);
      if (state.trigger) console.log(`trigger: ${state.trigger.id} on ${state.trigger.event}, from ${state.trigger.source.kind} ${state.trigger.source.id} v${state.trigger.source.version}`);
      for (const condition of state.conditions) console.log(`  condition ${condition.path}: ${condition.result}${condition.error ? ` (${condition.error})` : ''}`);
      for (const step of state.steps) {
        console.log(`  ${step.path.padEnd(36)} ${step.kind.padEnd(10)} ${step.status.padEnd(9)} attempts ${step.attempts} ${step.endedAt - step.startedAt} ms${step.error ? `  error: ${step.error}` : ''}`);
        if (step.output !== undefined) console.log(`    output: ${JSON.stringify(step.output)}`);
      }
      return 0;
    });
  }
  return usage(runsUsage);
}

function summary(run: AutomationRunState) {
  return { runId: run.runId, automationId: run.automationId, status: run.status, startedAt: run.startedAt, endedAt: run.endedAt, steps: run.steps.length, trigger: run.trigger?.event, reason: run.reason };
}

/** `vigil catalog`: every trigger and provider action, with their JSON Schemas. */
export function catalogCommand(flags: { json?: boolean | undefined }): number {
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
  if (flags.json) {
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

/** Runs `work` against the node the CLI talks to; a refusal or an unreachable node prints its reason (exit code 1). */
async function withNode(config: VigilConfig, work: (node: NodeClient) => Promise<number>): Promise<number> {
  try {
    return await work(NodeClient.connect(config));
  } catch (error) {
    return fail((error as Error).message);
  }
}
