import type { z } from 'zod';
import type { AutomationRunEvent, AutomationRunState, StepTrace } from '../../machines/index.ts';
import { actorOf, AuthError, authorizeCommand, type Principal } from '../../auth/index.ts';
import { PermanentActionError, type ActionContext, type ActionLog, type ActionProvider } from '../actions/action-provider.ts';
import { evaluateConditions, type StateReader } from '../conditions/index.ts';
import type { Condition } from '../definition/automation-definition.ts';
import {
  DurationError,
  ExpressionError,
  fieldsNotSecretReferences,
  MissingSecretError,
  parseDuration,
  renderDeep,
  resolveSecrets,
  secretFieldMessage,
  SecretMasker,
} from '../expressions/index.ts';
import { detectStepKind, type StepKind } from '../definition/step-definition.ts';
import type { DeliveryAttempts, DeliveryVisit, PreparedDelivery } from './delivery-attempts.ts';
// The file, not persistence/index.ts: the executor (and its unit tests) need not load the ORM.
import { isDataRejected } from '../../persistence/errors.ts';
import { runScope } from './run-scope.ts';
import { beginWaitForTrigger, beginWaitUntil, type WaitForTriggerStep, type WaitUntilStep } from './wait-steps.ts';
import { advanceParallel, enterParallel, MAX_TRACES_PER_ADVANCE } from './parallel-step.ts';
import { endIteration, enterRepeat, type LoopContext, type LoopDecision } from './repeat-step.ts';
import { currentStep, nextCursor, startCursor, type Step, type StepCursor } from './step-cursor.ts';

/** The `advance` event to record (the runtime stamps `at`). */
export type AdvanceEvent = Omit<Extract<AutomationRunEvent, { type: 'advance' }>, 'at'>;

export interface StepExecutorOptions {
  actions: ReadonlyMap<string, ActionProvider>;
  reader: StateReader;
  /** The value of secret NAME (`${{ secrets.NAME }}`), or undefined when there is none. */
  secret: (name: string) => string | undefined;
  /** What actions use to reach entities: dispatch through the cluster (with the cause), read, find ids. */
  entities: Pick<ActionContext, 'read' | 'latestId'> & {
    dispatch(kind: string, id: string, event: Record<string, unknown>, options: { actor: string; runId: string }): Promise<unknown>;
  };
  /**
   * Who an automation's effects act as (its `run_as` account); every effect is authorized like a
   * caller with that principal's role, and a refusal fails the step (never retried).
   */
  principalOf(automationId: string, runAs: string | undefined): Promise<Principal>;
  log: ActionLog;
  clock?: () => number;
  /** Attempts of an action step before a transient failure fails it (default 3). */
  maxAttempts?: number;
  /** Time an action may take (default 60 s). */
  actionTimeoutMs?: number;
  /** The delivery log's attempts (actions with `delivery`); absent: such steps fail. */
  deliveries?: DeliveryAttempts;
}




/**
 * Executes ONE step of a run and describes its outcome as the `advance` event to record (at a
 * `parallel` step with branches left: the next step of each branch, concurrently; at the end of
 * a `repeat` body: the loop's decision to iterate again or leave). Control
 * steps are evaluated here (they need fresh entity state); action steps perform their effect with
 * the idempotency key `<runId>:<step path>`, so a step re-executed after a crash (its `advance`
 * never committed) has its effect once. The first call of a run evaluates the automation's
 * conditions against fresh state: a run whose conditions no longer hold ends as `skipped`.
 *
 * Throws for a transient failure the caller should retry (the message is redelivered).
 */
export class StepExecutor {
  private readonly clock: () => number;

  constructor(private readonly options: StepExecutorOptions) {
    this.clock = options.clock ?? Date.now;
  }

  async execute(run: AutomationRunState, attempt: number): Promise<AdvanceEvent> {
    const now = this.clock();
    if (run.cursor === null) {
      // The run's first call checks the conditions and, when they hold, runs the first step in
      // the same advance: one transition fewer per run.
      const definition = run.definition as { conditions?: Condition[] };
      const result = await evaluateConditions(definition.conditions ?? [], runScope(run, now), this.options.reader, now);
      if (!result.ok) return this.advance(run, null, [], { status: 'skipped', reason: 'conditions not met when the run started' }, { conditions: result.details });
      const first = await this.executeWithin({ ...run, cursor: startCursor() }, attempt, MAX_TRACES_PER_ADVANCE);
      return this.finishIfDone(run, { ...first, conditions: result.details });
    }
    return this.finishIfDone(run, await this.executeWithin(run, attempt, MAX_TRACES_PER_ADVANCE));
  }

  /** A step that leaves nothing more to run ends the run in the same advance (no empty last step). */
  private finishIfDone(run: AutomationRunState, event: AdvanceEvent): AdvanceEvent {
    if (event.next.status !== 'running' || event.cursor === null || currentStep(run.definition, event.cursor as StepCursor) !== null) return event;
    return { ...event, next: { status: 'succeeded' } };
  }

  /** The step at the run's cursor (never null here), with at most `budget` step traces (a parallel branch runs with its share). */
  private async executeWithin(run: AutomationRunState, attempt: number, budget: number): Promise<AdvanceEvent> {
    const now = this.clock();
    const located = currentStep(run.definition, run.cursor as StepCursor);
    if (!located) return this.advance(run, run.cursor as StepCursor, [], { status: 'succeeded' });
    if (located.at === 'parallel') return advanceParallel(run, located, budget, (branch, share) => this.executeWithin(branch, attempt, share));
    const { step, path, cursor } = located;
    const kind: StepKind | 'unknown' = detectStepKind(step) ?? 'unknown';
    const trace = (status: StepTrace['status'], extra: Partial<StepTrace> = {}): StepTrace => ({
      path,
      kind,
      ...(typeof step.alias === 'string' ? { alias: step.alias } : {}),
      status,
      attempts: kind === 'action' ? attempt : 1,
      startedAt: now,
      endedAt: this.clock(),
      ...extra,
    });
    if (step.enabled === false) return this.advance(run, nextCursor(cursor), [trace('skipped')], { status: 'running' });

    try {
      if (located.at === 'loop-end') return this.decided(run, await endIteration(located, this.loopContext(run, runScope(run, now), now)), cursor, step, trace);
      return await this.executeStep(run, step, kind, path, cursor, attempt, now, trace);
    } catch (error) {
      // A template or duration that cannot be evaluated fails the step; anything else (the
      // database, the cluster) is transient and retried by redelivery.
      if (error instanceof ExpressionError || error instanceof DurationError || error instanceof MissingSecretError) {
        return this.fail(run, cursor, trace('failed', { error: (error as Error).message }), step);
      }
      throw error;
    }
  }

  private async executeStep(
    run: AutomationRunState,
    step: Step,
    kind: StepKind | 'unknown',
    path: string,
    cursor: StepCursor,
    attempt: number,
    now: number,
    trace: (status: StepTrace['status'], extra?: Partial<StepTrace>) => StepTrace,
  ): Promise<AdvanceEvent> {
    const scope = runScope(run, now);
    switch (kind) {
      case 'sequence':
        return this.advance(run, nextCursor(cursor, `${path}.sequence`), [trace('succeeded')], { status: 'running' });

      case 'choose': {
        const options = step.choose as Array<{ when: Condition[] }>;
        const details = [];
        for (let index = 0; index < options.length; index++) {
          const result = await evaluateConditions(options[index]!.when, scope, this.options.reader, now, `${path}.choose[${index}].when`);
          details.push(...result.details);
          if (result.ok) return this.advance(run, nextCursor(cursor, `${path}.choose[${index}].sequence`), [trace('succeeded', { output: { chosen: index } })], { status: 'running' });
        }
        const otherwise = Array.isArray(step.else) ? `${path}.else` : undefined;
        return this.advance(run, nextCursor(cursor, otherwise), [trace('succeeded', { output: { chosen: otherwise ? 'else' : null } })], { status: 'running' });
      }

      case 'variables': {
        const values = renderDeep(step.variables, scope) as Record<string, unknown>;
        return this.advance(run, nextCursor(cursor), [trace('succeeded', { output: values })], { status: 'running' }, { variables: { ...run.variables, ...values } });
      }

      case 'condition': {
        const result = await evaluateConditions([step as unknown as Condition], scope, this.options.reader, now, path);
        if (result.ok) return this.advance(run, nextCursor(cursor), [trace('succeeded')], { status: 'running' });
        // A false condition step ends the run quietly: not a failure.
        return this.advance(run, nextCursor(cursor), [trace('stopped', { output: result.details })], { status: 'stopped', reason: `condition at ${path} not met` });
      }

      case 'stop': {
        const reason = String(renderDeep(step.stop, scope));
        return this.advance(run, nextCursor(cursor), [trace('stopped', { output: { reason } })], { status: step.error === true ? 'failed' : 'stopped', reason });
      }

      case 'delay': {
        const rendered = renderDeep(step.delay, scope);
        let ms: number;
        try {
          ms = parseDuration(rendered as string | number);
        } catch (error) {
          return this.fail(run, cursor, trace('failed', { error: (error as Error).message }), step);
        }
        return this.advance(run, nextCursor(cursor), [trace('succeeded', { output: { ms } })], { status: 'waiting', wakeAt: now + ms });
      }

      case 'wait_until': {
        const begun = await beginWaitUntil(step as unknown as WaitUntilStep, path, scope, this.options.reader, now);
        if (begun.holds) {
          const wait = { completed: true, timed_out: false };
          return this.advance(run, nextCursor(cursor), [trace('succeeded', { output: { waited: false, conditions: begun.details } })], { status: 'running' }, { variables: { ...run.variables, wait } });
        }
        return this.advance(run, nextCursor(cursor), [trace('waiting', { output: { keys: begun.wait.keys, conditions: begun.details } })], { status: 'waiting', wakeAt: begun.wait.timeoutAt, wait: begun.wait });
      }

      case 'wait_for_trigger': {
        const wait = beginWaitForTrigger(step as unknown as WaitForTriggerStep, path, now);
        return this.advance(run, nextCursor(cursor), [trace('waiting', { output: { keys: wait.keys } })], { status: 'waiting', wakeAt: wait.timeoutAt, wait });
      }

      case 'action':
        return this.runAction(run, step, path, cursor, attempt, scope, trace);

      case 'repeat':
        return this.decided(run, await enterRepeat(step, path, cursor, this.loopContext(run, scope, now)), cursor, step, trace);

      case 'parallel':
        return this.advance(run, enterParallel(step, path, cursor), [trace('succeeded', { output: { branches: (step.parallel as unknown[]).length } })], { status: 'running' });

      default:
        return this.fail(run, cursor, trace('failed', { error: `step kind "${kind}" is not supported by this version of Vigil` }), step);
    }
  }

  private async runAction(
    run: AutomationRunState,
    step: Step,
    path: string,
    cursor: StepCursor,
    attempt: number,
    scope: Record<string, unknown>,
    trace: (status: StepTrace['status'], extra?: Partial<StepTrace>) => StepTrace,
  ): Promise<AdvanceEvent> {
    const provider = this.options.actions.get(String(step.action));
    if (!provider) return this.fail(run, cursor, trace('failed', { error: `unknown action "${String(step.action)}"` }), step);
    const version = typeof step.version === 'number' ? step.version : provider.latestVersion;
    const schema: z.ZodType<Record<string, unknown>> | undefined = provider.versions[version];
    if (!schema) return this.fail(run, cursor, trace('failed', { error: `${provider.id} has no config version ${version}` }), step);
    // A definition saved without the catalog checks may hold a literal where a secret belongs: never use it.
    const notReferences = fieldsNotSecretReferences(step.config, provider.secretFields ?? []);
    if (notReferences.length > 0) return this.fail(run, cursor, trace('failed', { error: notReferences.map(secretFieldMessage).join('; ') }), step);

    let masker = new SecretMasker([]);
    let config: Record<string, unknown>;
    let rendered: Record<string, unknown>;
    try {
      // Templates first (they never see secret values), secrets last, just before the effect.
      // What the step does not give, the action may default by the run's trigger (messages).
      const given = { ...(provider.defaultConfig?.(run.trigger?.event) ?? {}), ...((step.config as Record<string, unknown> | undefined) ?? {}) };
      rendered = renderDeep(given, scope) as Record<string, unknown>;
      // A delivery stores it for later retries: as JSON, as it will be read back.
      if (provider.delivery) rendered = JSON.parse(JSON.stringify(rendered)) as Record<string, unknown>;
      const resolved = resolveSecrets(rendered, this.options.secret);
      masker = new SecretMasker(resolved.secrets);
      const parsed = schema.safeParse(resolved.value);
      if (!parsed.success) throw new Error(`config does not match ${provider.id} v${version}: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
      config = parsed.data;
    } catch (error) {
      return this.fail(run, cursor, trace('failed', { error: masker.maskText((error as Error).message) }), step);
    }

    const controller = new AbortController();
    const timeout = setTimeout(() => controller.abort(new Error('action timed out')), this.options.actionTimeoutMs ?? 60_000);
    const context: Omit<ActionContext, 'signal'> = {
      runId: run.runId,
      automationId: run.automationId,
      idempotencyKey: `${run.runId}:${path}`,
      artifacts: run.artifacts,
      ...this.options.entities,
      // Changes an action makes name the automation and the run in their `cause`, and are
      // allowed only as far as the automation's run_as account may go.
      dispatch: async (kind, id, event) => {
        const principal = await this.options.principalOf(run.automationId, (run.definition as { run_as?: string }).run_as);
        try {
          authorizeCommand(principal, kind, String(event.type));
        } catch (error) {
          if (error instanceof AuthError) throw new PermanentActionError(`${error.code}: ${error.message}`);
          throw error;
        }
        return this.options.entities.dispatch(kind, id, event, { actor: actorOf(principal), runId: run.runId });
      },
      log: maskedLog(this.options.log, masker),
      maskSecrets: (text) => masker.maskText(text),
    };
    try {
      if (provider.delivery) {
        if (!this.options.deliveries) return this.fail(run, cursor, trace('failed', { error: `${provider.id} needs the delivery log, which this executor has not` }), step);
        const prepared: PreparedDelivery = { provider: provider as PreparedDelivery['provider'], version, config, maskSecrets: context.maskSecrets, context, signal: controller.signal };
        const visit = await this.options.deliveries.visit(prepared, { runId: run.runId, automationId: run.automationId, path, request: { version, config: rendered, idempotencyKey: context.idempotencyKey } });
        return this.delivered(run, cursor, step, visit, trace);
      }
      const result = await provider.execute(config, version, { ...context, signal: controller.signal });
      const artifacts = result.artifact ? { ...run.artifacts, [result.artifact.type]: masker.mask(result.artifact.value) as Record<string, unknown> } : undefined;
      return this.advance(run, nextCursor(cursor), [trace('succeeded', { output: masker.mask(result.output) })], { status: 'running' }, artifacts ? { artifacts } : {});
    } catch (error) {
      const message = masker.maskText((error as Error).message ?? String(error));
      const permanent = (error as { permanent?: boolean }).permanent === true;
      // A delivery's own failures are in its log; what fails here is the log itself (the database)
      // or an attempt in flight elsewhere: tried again, the step is not failed for it, unless the
      // database refused the request itself (it would refuse it again).
      if (provider.delivery && !isDataRejected(error)) throw new Error(message);
      if (!permanent && attempt < (this.options.maxAttempts ?? 3)) throw new Error(message);
      return this.fail(run, cursor, trace('failed', { error: message }), step);
    } finally {
      clearTimeout(timeout);
    }
  }

  /**
   * A delivery step's visit recorded: delivered, the step succeeds; dead, it fails (the run fails
   * unless `continue_on_error`); not yet, the run waits on its durable timer until the next attempt
   * is due and then executes this step again (same cursor), with a trace of the attempt it made.
   */
  private delivered(run: AutomationRunState, cursor: StepCursor, step: Step, visit: DeliveryVisit, trace: (status: StepTrace['status'], extra?: Partial<StepTrace>) => StepTrace): AdvanceEvent {
    const { delivery } = visit;
    const output = { delivery: delivery.id, target: delivery.target, status: visit.kind === 'retry' ? 'failed' : visit.kind, attempt: visit.attempt, responseCode: visit.responseCode };
    switch (visit.kind) {
      case 'delivered':
        return this.advance(run, nextCursor(cursor), [trace('succeeded', { attempts: visit.attempt, output })], { status: 'running' });
      case 'dead': {
        const error = `delivery ${delivery.id} is dead after ${delivery.attempts} attempt${delivery.attempts === 1 ? '' : 's'}: ${visit.error}`;
        this.options.log.warn({ runId: run.runId, automationId: run.automationId, delivery: delivery.id, action: delivery.action, attempts: delivery.attempts }, 'a notification delivery is dead; retry it with vigil deliveries retry');
        return this.fail(run, cursor, trace('failed', { attempts: visit.attempt, output, error }), step);
      }
      case 'retry': {
        // `attempt` null: none was due (the step ran again early); the trace says it waits on.
        const waiting = trace('waiting', { attempts: visit.attempt ?? delivery.attempts, output: { ...output, retryAt: visit.retryAt }, ...(visit.error ? { error: visit.error } : {}) });
        return this.advance(run, cursor, [waiting], { status: 'waiting', wakeAt: visit.retryAt });
      }
    }
  }

  /** A repeat's decision recorded: the loop goes on at its cursor, or the step fails. */
  private decided(run: AutomationRunState, decision: LoopDecision, cursor: StepCursor, step: Step, trace: (status: StepTrace['status'], extra?: Partial<StepTrace>) => StepTrace): AdvanceEvent {
    if (decision.ok) return this.advance(run, decision.cursor, [trace('succeeded', { output: decision.output })], { status: 'running' });
    return this.fail(run, cursor, trace('failed', { error: decision.error, ...(decision.output ? { output: decision.output } : {}) }), step);
  }

  private loopContext(run: AutomationRunState, scope: Record<string, unknown>, now: number): LoopContext {
    return { definition: run.definition, scope, reader: this.options.reader, now };
  }

  /** A failed step: the run fails, unless the step says `continue_on_error`. */
  private fail(run: AutomationRunState, cursor: StepCursor, trace: StepTrace, step: Step): AdvanceEvent {
    if (step.continue_on_error === true) return this.advance(run, nextCursor(cursor), [trace], { status: 'running' });
    return this.advance(run, nextCursor(cursor), [trace], { status: 'failed', reason: `${trace.path}: ${trace.error ?? 'failed'}` });
  }

  private advance(
    run: AutomationRunState,
    cursor: StepCursor | null,
    steps: StepTrace[],
    next: AdvanceEvent['next'],
    extra: Pick<Partial<AdvanceEvent>, 'variables' | 'artifacts' | 'conditions'> = {},
  ): AdvanceEvent {
    return { type: 'advance', seq: run.seq, cursor, steps, next, ...extra };
  }
}

/** The node log for one action, with this step's secret values masked out of messages and fields. */
function maskedLog(log: ActionLog, masker: SecretMasker): ActionLog {
  const wrap = (level: keyof ActionLog) => (fields: Record<string, unknown>, message: string) =>
    log[level](masker.mask(fields) as Record<string, unknown>, masker.maskText(message));
  return { debug: wrap('debug'), info: wrap('info'), warn: wrap('warn'), error: wrap('error') };
}
