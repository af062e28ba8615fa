import { z } from 'zod';
import type { runDetailSchema, runItemSchema } from '../gateway/query/items.ts';
import { runStatusSchema } from '../machines/automation-run.machine.ts';
import type { CommandLine } from './command-line.ts';
import { formatAttempt } from './deliveries-commands.ts';
import { withNode } from './node-client.ts';
import { choiceListSchema, idSchema } from './option-schemas.ts';
import { isoTime, listOptions, printList, readList } from './query-list.ts';

// `vigil runs list | show RUN`: automation run traces, through the query API (GET /runs, /runs/{id}).

type RunItem = z.infer<typeof runItemSchema>;
type RunDetail = z.infer<typeof runDetailSchema>;

const runListOptions = listOptions.extend({ automation: idSchema.optional(), status: choiceListSchema(runStatusSchema.options).optional() });

/** `vigil runs list [--automation ID] [--status …]`: newest start first. */
export async function listRuns(line: CommandLine): Promise<number> {
  const options = line.options(runListOptions);
  return withNode(line.configFile, async (node) => {
    const list = await readList<RunItem>(node, '/runs', { automation: options.automation, status: options.status?.join(',') }, options);
    return printList(list, options, {
      ID: (run) => run.id,
      STATUS: (run) => run.status,
      STARTED: (run) => isoTime(run.startedAt),
      STEPS: (run) => String(run.stepCount),
      TRIGGER: (run) => `${run.trigger?.event ?? '-'}${run.reason ? `  (${run.reason})` : ''}`,
    });
  });
}

/** `vigil runs show RUN`: a run trace (trigger, conditions, steps). */
export async function showRun(line: CommandLine): Promise<number> {
  const runId = line.argument(0, idSchema);
  const { json } = line.options(z.object({ json: z.boolean().optional() }));
  return withNode(line.configFile, async (node) => {
    const run = await node.request<RunDetail>('GET', `/runs/${encodeURIComponent(runId)}`);
    if (json) {
      console.log(JSON.stringify(run, null, 2));
      return 0;
    }
    console.log(`run ${run.id} of ${run.automationId} (revision ${run.revision}): ${run.status}${run.reason ? ` (${run.reason})` : ''}`);
    if (run.trigger) console.log(`trigger: ${run.trigger.id} on ${run.trigger.event}, from ${run.trigger.source.kind} ${run.trigger.source.id} v${run.trigger.source.version}`);
    for (const condition of run.conditions) console.log(`  condition ${condition.path}: ${condition.result}${condition.error ? ` (${condition.error})` : ''}`);
    for (const step of run.steps) {
      console.log(`  ${step.path.padEnd(36)} ${step.kind.padEnd(10)} ${step.status.padEnd(9)} attempts ${step.attempts} ${step.endedAt - step.startedAt} ms${step.error ? `  error: ${step.error}` : ''}`);
      if (step.output !== undefined) console.log(`    output: ${JSON.stringify(step.output)}`);
    }
    for (const delivery of run.deliveries ?? []) {
      console.log(`  delivery ${delivery.id} ${delivery.stepPath} ${delivery.action} → ${delivery.target}: ${delivery.status}, ${delivery.attemptCount} of ${delivery.maxAttempts} attempts`);
      for (const attempt of delivery.attempts) console.log(`    ${formatAttempt(attempt)}`);
    }
    return 0;
  });
}
