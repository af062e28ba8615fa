import { z } from 'zod';
import type { AutomationRunState } from '../machines/index.ts';
import type { CommandLine } from './command-line.ts';
import { fail } from './exit.ts';
import { withNode } from './node-client.ts';
import { idSchema } from './option-schemas.ts';

// `vigil runs list | show RUN`: automation run traces, read from the stored `automation_run` entities.

const jsonOption = z.object({ json: z.boolean().optional() });

/** `vigil runs list [--automation ID]`: the 100 most recently changed runs. */
export async function listRuns(line: CommandLine): Promise<number> {
  const options = line.options(jsonOption.extend({ automation: idSchema.optional() }));
  return withNode(line.configFile, async (node) => {
    const rows = await node.recent<AutomationRunState>('automation_run', 100, options.automation ? { automationId: options.automation } : {});
    if (options.json) console.log(JSON.stringify(rows.map((row) => summary(row.state)), null, 2));
    else for (const row of rows) {
      const run = summary(row.state);
      console.log(`${run.runId.padEnd(40)} ${run.status.padEnd(9)} ${new Date(run.startedAt).toISOString()} ${String(run.steps).padStart(3)} steps  ${run.trigger ?? ''}${run.reason ? `  (${run.reason})` : ''}`);
    }
    return 0;
  });
}

/** `vigil runs show RUN`: a run trace (trigger, conditions, steps), read from its `automation_run` entity. */
export async function showRun(line: CommandLine): Promise<number> {
  const runId = line.argument(0, idSchema);
  const { json } = line.options(jsonOption);
  return withNode(line.configFile, async (node) => {
    const state = (await node.get('automation_run', runId)) as AutomationRunState | null;
    if (!state) return fail(`no run ${runId}`);
    if (json) {
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

function summary(run: AutomationRunState) {
  return { runId: run.runId, automationId: run.automationId, status: run.status, startedAt: run.startedAt, endedAt: run.endedAt, steps: run.steps.length, trigger: run.trigger?.event, reason: run.reason };
}

