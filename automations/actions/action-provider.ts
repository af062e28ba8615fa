import type { z } from 'zod';

export type ActionLogLevel = 'debug' | 'info' | 'warn' | 'error';
export type ActionLog = Record<ActionLogLevel, (fields: Record<string, unknown>, message: string) => void>;

/** What an action may do and know while it runs. Everything here is cluster-safe. */
export interface ActionContext {
  runId: string;
  automationId: string;
  /** `<runId>:<step path>`: the same on every retry of this step, on any node. */
  idempotencyKey: string;
  /** Artifacts by type: this run's earlier steps', else those left by earlier runs of its scope. */
  artifacts: Record<string, unknown>;
  /** Sends an event to an entity through the cluster (routed to its owner, stored, emitted). */
  dispatch(kind: string, id: string, event: Record<string, unknown>): Promise<unknown>;
  /** The entity's reactive state, or null when it does not exist. */
  read(kind: string, id: string): Promise<Record<string, unknown> | null>;
  /** The id of `kind` starting with `prefix` that has the largest numeric suffix after it, or null. */
  latestId(kind: string, prefix: string): Promise<string | null>;
  /** The node log; secrets in messages and fields are masked. */
  log: ActionLog;
  /**
   * `text` with this step's secret values masked (every encoding, as in the trace). Outputs are
   * masked anyway; call it before cutting text that may hold a secret, since a cut secret is no
   * longer recognised.
   */
  maskSecrets(text: string): string;
  /** Aborted when the step's time is up. */
  signal: AbortSignal;
  /** Set for a delivery action (`delivery` below): the delivery this attempt belongs to. */
  delivery?: { id: string; attempt: number; createdAt: number };
}

/** What an action returns: an output for the trace, and optionally a typed artifact. */
export interface ActionResult {
  output?: unknown;
  artifact?: { type: string; value: Record<string, unknown> };
}

/**
 * A provider action. Its config is versioned: a definition names the version it was written
 * for (default: the latest), and each version has its own zod schema, so a provider can
 * change its config without breaking stored automations.
 */
export interface ActionProvider {
  id: string;
  displayName: string;
  description: string;
  /** Config schema per version. */
  versions: Record<number, z.ZodType<Record<string, unknown>>>;
  latestVersion: number;
  /** The artifact type it produces, if any (e.g. `incident`). */
  produces?: string;
  /**
   * Top-level config keys whose value must be exactly one secret reference (`${{ secrets.NAME }}`),
   * never a literal or a template: refused when the definition is checked, and the step fails if
   * one gets there anyway.
   */
  secretFields?: readonly string[];
  /**
   * Config the step does not give, by the run's trigger event (e.g. a notification's message
   * templates): merged under the step's config before its templates are rendered.
   */
  defaultConfig?(trigger: string | undefined): Record<string, unknown>;
  /**
   * Set for an action that delivers something outside Vigil (a notification): each `execute` is
   * one attempt, recorded in the delivery log; a failed attempt is retried after a backoff while
   * the run waits on its durable timer, and the delivery is dead after the last one (see
   * automations/engine/delivery-step.ts). `execute` resolves `{ output: { responseCode } }` or
   * throws (a `DeliveryFailure` says whether retrying can help).
   */
  delivery?: DeliverySpec;
  /** Performs the effect. Must be idempotent by `context.idempotencyKey`. */
  execute(config: Record<string, unknown>, version: number, context: ActionContext): Promise<ActionResult>;
}

/** How a delivery action's parsed config is retried and described. */
export interface DeliverySpec {
  /** Attempts and backoff (the config's `retry`). */
  policy(config: Record<string, unknown>): RetryPolicy;
  /** Where it delivers, for people (`POST https://hooks.example.com`); secrets are masked by the caller. */
  target(config: Record<string, unknown>): string;
  /** The longest one attempt can take, ms. */
  timeoutMs(config: Record<string, unknown>): number;
}

/** Attempts of a delivery and the backoff between them (ms). */
export interface RetryPolicy {
  maxAttempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

/**
 * An action with one config version (1). Its `execute` gets the config typed as the schema's
 * output: the step executor has parsed it against that schema (defaults applied) already.
 */
export function defineAction<TConfig extends z.ZodType<Record<string, unknown>>>(spec: {
  id: string;
  displayName: string;
  description: string;
  produces?: string;
  secretFields?: readonly string[];
  config: TConfig;
  defaultConfig?(trigger: string | undefined): Record<string, unknown>;
  delivery?: { policy(config: z.output<TConfig>): RetryPolicy; target(config: z.output<TConfig>): string; timeoutMs(config: z.output<TConfig>): number };
  execute(config: z.output<TConfig>, context: ActionContext): Promise<ActionResult>;
}): ActionProvider {
  const { config, execute, delivery, ...described } = spec;
  return {
    ...described,
    ...(delivery ? { delivery: delivery as DeliverySpec } : {}),
    versions: { 1: config },
    latestVersion: 1,
    execute: (parsed, _version, context) => execute(parsed as z.output<TConfig>, context),
  };
}

/** A failure that retrying cannot fix (bad config, missing entity): the step fails at once. */
export class PermanentActionError extends Error {
  readonly permanent = true;
}

/**
 * A delivery attempt that failed: `responseCode` is the receiver's answer (HTTP status, SMTP
 * reply code) when there was one; `permanent` when retrying the same request cannot help (a 4xx
 * other than 408 and 429, a 5xx SMTP reply, a config the receiver refuses).
 */
export class DeliveryFailure extends Error {
  constructor(
    message: string,
    readonly responseCode: number | null,
    readonly permanent: boolean,
  ) {
    super(message);
    this.name = 'DeliveryFailure';
  }
}
