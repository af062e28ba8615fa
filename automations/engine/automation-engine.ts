import type { Logger } from 'pino';
import type { EntityRuntime } from '../../actors/index.ts';
import type { Bus } from '../../bus/index.ts';
import type { AutomationRunState, AutomationState } from '../../machines/index.ts';
import type { Database } from '../../persistence/index.ts';
import { builtInActions } from '../actions/action-catalog.ts';
import { AutomationDirectory } from './automation-directory.ts';
import { EntityStateReader } from './entity-state-reader.ts';
import { startRunDriver } from './run-driver.ts';
import { startScopeReactor } from './scope-reactor.ts';
import { StepExecutor } from './step-executor.ts';
import type { Dispatch } from './dispatch.ts';
import { startTriggerRouter } from './trigger-router.ts';

export interface AutomationEngineOptions {
  bus: Bus;
  database: Database;
  runtime: EntityRuntime;
  /** Routed dispatch (to the owner of the entity, anywhere in the cluster). */
  dispatch: Dispatch;
  log: Logger;
  /** Secret values by name (`${{ secrets.NAME }}`). */
  secrets: ReadonlyMap<string, string>;
}

/**
 * The automation engine of one node. Every part is a work-queue consumer, so each trigger event,
 * scope decision and run step is handled once per cluster, by whichever node pulls it:
 *
 *   vigil.trigger.>                    → trigger router  → fire            → automation_scope
 *   vigil.entity.automation_scope.*    → scope reactor   → start / cancel  → automation_run
 *   vigil.entity.automation_run.*      → run driver      → advance (one step), run_finished → scope
 */
export async function startAutomationEngine(options: AutomationEngineOptions) {
  const { bus, database, runtime, dispatch, log } = options;
  const engineLog = log.child({ component: 'automations' });
  const reader = new EntityStateReader(runtime, database);
  const directory = new AutomationDirectory();
  await directory.start(bus, database);

  const executor = new StepExecutor({
    actions: builtInActions,
    reader,
    secret: (name) => options.secrets.get(name),
    log: engineLog,
    entities: {
      dispatch: (kind, id, event, cause) => dispatch(kind, id, event, cause),
      read: async (kind, id) => (await runtime.get(kind, id)).state,
      latestId: async (kind, prefix) => {
        const rows = await database.query<{ id: string }>(
          // After the same prefix, a longer numeric suffix is a larger number.
          `select id from entity_state where kind = ? and starts_with(id, ?) and substr(id, ?) ~ '^[0-9]+$' order by length(id) desc, id desc limit 1`,
          [kind, prefix, prefix.length + 1],
        );
        return rows[0]?.id ?? null;
      },
    },
  });

  const subscriptions = [
    await startRunDriver({
      bus,
      dispatch,
      executor,
      log: engineLog,
      readRun: async (runId) => {
        const view = await runtime.get('automation_run', runId);
        return { version: view.version, state: view.state as AutomationRunState | null };
      },
    }),
    await startScopeReactor({
      bus,
      dispatch,
      log: engineLog,
      readAutomation: async (id) => (await runtime.get('automation', id)).state as AutomationState | null,
    }),
    await startTriggerRouter({ bus, directory, reader, dispatch, log: engineLog }),
  ];

  return {
    async stop() {
      for (const subscription of subscriptions.reverse()) await subscription.stop();
      await directory.stop();
    },
  };
}
