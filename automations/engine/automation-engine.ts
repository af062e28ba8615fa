import type { Logger } from 'pino';
import { hostClock, type EntityRuntime, type SharedClock } from '../../actors/index.ts';
import type { Bus } from '../../bus/index.ts';
import { toStorableText, type AutomationRunState, type AutomationState } from '../../machines/index.ts';
import { RunAsResolver } from '../../auth/index.ts';
import { ApiTokenStore, DeliveryStore, type Database } from '../../persistence/index.ts';
import { builtInActions } from '../actions/action-catalog.ts';
import { walkSteps, type Step } from '../definition/index.ts';
import { AutomationDirectory } from './automation-directory.ts';
import { DeliveryAttempts, type DeliveryAttemptObserver } from './delivery-attempts.ts';
import { EntityStateReader } from './entity-state-reader.ts';
import { startDwellReactor } from './dwell-reactor.ts';
import { startRunDriver } from './run-driver.ts';
import { startRunRetention } from './run-retention.ts';
import { startScheduleKeeper } from './schedule-keeper.ts';
import { startScopeReactor } from './scope-reactor.ts';
import { StepExecutor } from './step-executor.ts';
import { WaitWaker } from './wait-waker.ts';
import { startWaitWatcher } from './wait-watcher.ts';
import type { Dispatch } from './dispatch.ts';
import { startTriggerRouter } from './trigger-router.ts';

/** Whether a run's definition has a step of an action that delivers (notify.*). */
function hasDeliverySteps(definition: Record<string, unknown>): boolean {
  let found = false;
  walkSteps((definition.actions as Step[] | undefined) ?? [], [], (step) => {
    if ('action' in step && builtInActions.get(step.action)?.delivery) found = true;
  });
  return found;
}

export interface AutomationEngineOptions {
  bus: Bus;
  database: Database;
  runtime: EntityRuntime;
  /** Routed dispatch (to the owner of the entity, anywhere in the cluster). */
  dispatch: Dispatch;
  log: Logger;
  /** Secret values by name (`${{ secrets.NAME }}`). */
  secrets: ReadonlyMap<string, string>;
  /** Ended runs are removed `retentionMs` after they ended (0: kept forever), looked for every `everyMs`. */
  runRetention?: { retentionMs: number; everyMs: number };
  /**
   * The shared clock (default: this host's). The engine reads its latest bound: delays and wait
   * timeouts start from it, so they are never cut short by the node that fires them.
   */
  clock?: SharedClock;
  /** Told how each notification delivery attempt ended (metrics). */
  deliveryObserver?: DeliveryAttemptObserver;
}

/**
 * The automation engine of one node. Every part is a work-queue consumer, so each trigger event,
 * scope decision and run step is handled once per cluster, by whichever node pulls it:
 *
 *   vigil.trigger.>                    → trigger router  → fire            → automation_scope
 *   vigil.entity.automation_scope.*    → scope reactor   → start / cancel  → automation_run
 *   vigil.entity.automation_run.*      → run driver      → advance (one step), run_finished → scope
 *   vigil.entity.automation.*          → schedule keeper → configure / stop → automation_schedule (its ticks fire automation.cron / .interval)
 *   vigil.entity.automation_dwell.*    → dwell reactor   → (for: deadline) fire → scope, settle
 *   vigil.entity.>  (watched kinds)    → wait watcher    → resume → automation_run (wait_until)
 */
export async function startAutomationEngine(options: AutomationEngineOptions) {
  const { bus, database, runtime, dispatch, log } = options;
  const clock = options.clock ?? hostClock;
  const now = () => clock.latest();
  const engineLog = log.child({ component: 'automations' });
  const reader = new EntityStateReader(runtime, database);
  const directory = new AutomationDirectory();
  await directory.start(bus, database);

  const runAs = new RunAsResolver(new ApiTokenStore(database), now);
  const deliveries = new DeliveryStore(database);
  const executor = new StepExecutor({
    deliveries: new DeliveryAttempts(deliveries, now, undefined, options.deliveryObserver),
    actions: builtInActions,
    reader,
    secret: (name) => options.secrets.get(name),
    principalOf: (automationId, account) => runAs.principalOf(automationId, account),
    log: engineLog,
    clock: now,
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

  const readRun = async (runId: string) => {
    const view = await runtime.get('automation_run', runId);
    return { version: view.version, state: view.state as AutomationRunState | null };
  };
  const readAutomation = async (id: string) => (await runtime.get('automation', id)).state as AutomationState | null;
  const waker = new WaitWaker({ database, reader, dispatch, log: engineLog, clock: now, readRun: async (runId) => (await readRun(runId)).state });

  const subscriptions = [
    await startRunDriver({
      bus,
      dispatch,
      executor,
      waker,
      log: engineLog,
      readRun,
      // Only runs whose definition has a delivery step can leave one behind: the others cost no query.
      settleDeliveries: async (run, reason) => (hasDeliverySteps(run.definition) ? deliveries.settleRun(run.runId, toStorableText(reason, 2_000), now()) : []),
    }),
    await startWaitWatcher({ bus, directory, waker, log: engineLog }),
    await startScopeReactor({ bus, dispatch, log: engineLog, readAutomation }),
    await startDwellReactor({ bus, database, reader, dispatch, log: engineLog, readAutomation, clock: now }),
    await startScheduleKeeper({ bus, database, dispatch, log: engineLog }),
    await startTriggerRouter({ bus, database, directory, reader, dispatch, waker, log: engineLog, clock: now }),
  ];

  const retention = startRunRetention({ database, log: engineLog, clock: () => clock.earliest(), ...(options.runRetention ?? { retentionMs: 0, everyMs: 60_000 }) });

  return {
    async stop() {
      retention.stop();
      for (const subscription of subscriptions.reverse()) await subscription.stop();
      await directory.stop();
    },
  };
}
