import { z } from 'zod';
import { automationRunEventSchema, type AutomationRunState } from '../../machines/index.ts';
import { PermanentActionError, type ActionProvider } from '../actions/action-provider.ts';
import { InMemoryStateReader } from '../conditions/test-support.ts';
import { automationDefinitionSchema } from '../definition/index.ts';
import { StepExecutor, type AdvanceEvent } from './step-executor.ts';

/** One call of a test action, in the order they started. */
export interface RecordedCall {
  action: string;
  config: Record<string, unknown>;
  idempotencyKey: string;
}

export const HARNESS_START = Date.parse('2024-01-15T10:00:00Z');

const anyConfig = z.record(z.string(), z.unknown());

/**
 * A run driven step by step against a `StepExecutor`, without the cluster: each `advance` is
 * checked against the run machine's event schema, its cursor passed through JSON (as stored) and
 * applied like the machine's `record` action does. Test actions: `test.record` (output: its
 * config), `test.fail` (fails permanently), `test.transient` (fails transiently). `events` logs
 * `start <value>` / `end <value>` of each `test.record` call (each takes a few ms), so tests can
 * see what ran concurrently. `onCall` runs inside each `test.record` call, e.g. to change state.
 */
export class RunHarness {
  run: AutomationRunState;
  now = HARNESS_START;
  readonly calls: RecordedCall[] = [];
  readonly events: string[] = [];
  readonly advances: AdvanceEvent[] = [];
  readonly reader: InMemoryStateReader;
  private executor: StepExecutor;

  constructor(
    document: { actions: unknown[]; conditions?: unknown[] },
    private readonly options: {
      reader?: InMemoryStateReader;
      onCall?: (call: RecordedCall, harness: RunHarness) => void;
      /** Further actions (e.g. the real `http.request`), next to the test actions. */
      actions?: ActionProvider[];
      /** Values of `${{ secrets.NAME }}`. */
      secrets?: Record<string, string>;
    } = {},
  ) {
    this.reader = options.reader ?? new InMemoryStateReader();
    const definition = automationDefinitionSchema.parse({ id: 'auto-1', name: 'Test', triggers: [{ id: 't1', event: 'incident.created' }], ...document });
    this.run = {
      runId: 'auto-1:r1',
      automationId: 'auto-1',
      revision: 1,
      scopeId: 'auto-1',
      status: 'running',
      trigger: null,
      definition: JSON.parse(JSON.stringify(definition)) as Record<string, unknown>,
      seq: 0,
      wait: null,
      cursor: null,
      variables: {},
      artifacts: {},
      wakeAt: null,
      conditions: [],
      steps: [],
      reason: null,
      startedAt: HARNESS_START,
      endedAt: null,
    };
    this.executor = this.newExecutor();
  }

  /** A fresh executor over the stored run (as another node would pick the run up after a crash). */
  restart(): void {
    this.run = JSON.parse(JSON.stringify(this.run)) as AutomationRunState;
    this.executor = this.newExecutor();
  }

  /** Executes the next step, records it and returns its advance. */
  async step(attempt = 1): Promise<AdvanceEvent> {
    if (this.run.status !== 'running') throw new Error(`the run is ${this.run.status}`);
    const advance = await this.executor.execute(this.run, attempt);
    this.record(advance);
    return advance;
  }

  /** Steps until the run is no longer running; returns the advances of this call. */
  async runUntilSettled(limit = 500): Promise<AdvanceEvent[]> {
    const advances: AdvanceEvent[] = [];
    while (this.run.status === 'running') {
      if (advances.length >= limit) throw new Error(`still running after ${limit} advances`);
      advances.push(await this.step());
    }
    return advances;
  }

  /** The durable timer fires: time moves to `wakeAt` and the run runs again. */
  wake(): void {
    if (this.run.status !== 'waiting' || this.run.wakeAt === null) throw new Error(`the run is ${this.run.status}, not waiting`);
    this.now = this.run.wakeAt;
    this.run = { ...this.run, status: 'running', wakeAt: null };
  }

  /** The values `test.record` was called with, in order. */
  values(): unknown[] {
    return this.calls.filter((call) => call.action === 'test.record').map((call) => call.config.value);
  }

  private record(advance: AdvanceEvent): void {
    const event = automationRunEventSchema.parse({ ...advance, at: this.now });
    if (event.type !== 'advance') throw new Error('not an advance');
    if (event.seq !== this.run.seq) throw new Error(`stale advance ${event.seq}, run at ${this.run.seq}`);
    this.advances.push(advance);
    const { next } = event;
    this.run = {
      ...this.run,
      seq: this.run.seq + 1,
      cursor: JSON.parse(JSON.stringify(event.cursor ?? null)) as unknown,
      variables: event.variables ?? this.run.variables,
      artifacts: event.artifacts ?? this.run.artifacts,
      conditions: event.conditions ?? this.run.conditions,
      steps: [...this.run.steps, ...event.steps].slice(-500),
      status: next.status,
      wakeAt: next.status === 'waiting' ? next.wakeAt : null,
      reason: 'reason' in next ? (next.reason ?? null) : this.run.reason,
      endedAt: next.status === 'running' || next.status === 'waiting' ? null : this.now,
    };
  }

  private newExecutor(): StepExecutor {
    const recordAction: ActionProvider = {
      id: 'test.record',
      displayName: 'Record',
      description: 'records its config',
      versions: { 1: anyConfig },
      latestVersion: 1,
      execute: async (config, _version, context) => {
        const call = { action: 'test.record', config, idempotencyKey: context.idempotencyKey };
        this.calls.push(call);
        this.events.push(`start ${String(config.value)}`);
        this.options.onCall?.(call, this);
        await new Promise((resolve) => setTimeout(resolve, 5));
        this.events.push(`end ${String(config.value)}`);
        return { output: config, ...(typeof config.artifact === 'string' ? { artifact: { type: config.artifact, value: { value: config.value } } } : {}) };
      },
    };
    const failing = (id: string, permanent: boolean): ActionProvider => ({
      id,
      displayName: id,
      description: 'fails',
      versions: { 1: anyConfig },
      latestVersion: 1,
      execute: async (config, _version, context) => {
        this.calls.push({ action: id, config, idempotencyKey: context.idempotencyKey });
        throw permanent ? new PermanentActionError(String(config.message ?? 'boom')) : new Error('network down');
      },
    });
    const actions = new Map([recordAction, failing('test.fail', true), failing('test.transient', false), ...(this.options.actions ?? [])].map((provider) => [provider.id, provider]));
    const secrets = this.options.secrets ?? {};
    const ignore = () => {};
    return new StepExecutor({
      actions,
      reader: this.reader,
      secret: (name) => secrets[name],
      principalOf: async (automationId) => ({ type: 'automation', id: automationId, runAs: 'automations', role: 'operator' }),
      entities: { dispatch: async () => null, read: async () => null, latestId: async () => null },
      log: { debug: ignore, info: ignore, warn: ignore, error: ignore },
      clock: () => this.now,
    });
  }
}

/** Paths of the traces of an advance, in order. */
export const tracePaths = (advance: AdvanceEvent): string[] => advance.steps.map((trace) => trace.path);
