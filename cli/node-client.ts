import type { EntityChange } from '../machines/index.ts';
import { loadClientConfig, type ClientConfig } from './client-config.ts';
import { fail } from './exit.ts';
import { sendHttpRequest, type HttpAnswer } from './http-request.ts';

/** A request a node refused, with its error code (docs/PROTOCOL.md, "Error codes"). */
export class CommandRefusedError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`${code}: ${message}`, options);
    this.name = 'CommandRefusedError';
  }
}

/**
 * How the CLI talks to Vigil: HTTP requests to one node (any node of the cluster: commands are
 * routed to the entity's owner there), authenticated with an API token. The CLI never opens a
 * database itself, so it can run next to a node on embedded defaults.
 * Every method rejects with `CommandRefusedError` (the node's error code) or, when the node cannot
 * be reached, with `CommandRefusedError` code UNREACHABLE naming the URL.
 */
export class NodeClient {
  constructor(private readonly address: ClientConfig) {}

  /**
   * The client of the node the environment names (see `loadClientConfig`); throws `ConfigError`
   * (exit code 2) when it names none properly. `configFile`: the node's JSON config file, if any.
   */
  static connect(configFile: string | undefined, env: NodeJS.ProcessEnv = process.env): NodeClient {
    return new NodeClient(loadClientConfig(env, configFile));
  }

  /** Resolves with the committed change, or null when the event changed nothing. */
  async send(kind: string, id: string, event: Record<string, unknown>): Promise<EntityChange | null> {
    const { change } = await this.request<{ change: EntityChange | null }>('POST', `/entities/${kind}/${encodeURIComponent(id)}/events`, event);
    return change;
  }

  /** The entity's reactive state, or null when it does not exist (never created, or deleted). */
  async get(kind: string, id: string): Promise<Record<string, unknown> | null> {
    const view = await this.request<{ state: Record<string, unknown> | null }>('GET', `/entities/${kind}/${encodeURIComponent(id)}`);
    return view.state;
  }

  /** Every live entity of `kind` (all pages), optionally only those whose state fields equal `filters`. */
  async list<TState = Record<string, unknown>>(kind: string, filters: Record<string, string> = {}): Promise<Array<{ id: string; version: number; state: TState; stateValue: unknown }>> {
    const items: Array<{ id: string; version: number; state: TState; stateValue: unknown }> = [];
    let after: string | null = null;
    do {
      const query = new URLSearchParams({ limit: '1000', ...(after ? { after } : {}) });
      for (const [field, value] of Object.entries(filters)) query.set(`filter.${field}`, value);
      const page: { items: typeof items; next: string | null } = await this.request('GET', `/entities/${kind}?${query}`);
      items.push(...page.items);
      after = page.next;
    } while (after);
    return items;
  }

  /** The absolute URL of `path` on this node (what a job outside should call). */
  urlOf(path: string): string {
    return new URL(path, this.address.url).href;
  }

  /** One JSON request; resolves the parsed body of a 2xx answer. */
  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    let response: HttpAnswer;
    try {
      response = await sendHttpRequest(new URL(path, this.address.url), {
        method,
        headers: { authorization: `Bearer ${this.address.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        timeoutMs: this.address.requestTimeoutMs,
      });
    } catch (error) {
      throw new CommandRefusedError('UNREACHABLE', `no answer from ${this.address.url} (${socketErrorText(error, this.address.requestTimeoutMs)}); is a node running there? Set VIGIL_URL to one`, { cause: error });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(response.text);
    } catch {
      throw new CommandRefusedError('INVALID_ANSWER', `${this.address.url} answered ${response.status} with something that is not JSON; is it a Vigil node?`);
    }
    if (response.status < 200 || response.status > 299) {
      const error = (parsed as { error?: { code?: string; message?: string } }).error;
      throw new CommandRefusedError(error?.code ?? `HTTP_${response.status}`, error?.message ?? response.statusText);
    }
    return parsed as T;
  }

}

/**
 * Runs `work` against the node the configuration names. A refusal or an unreachable node prints
 * its reason (exit code 1); a configuration that names no node properly throws `ConfigError`
 * before anything is sent (exit code 2).
 */
export async function withNode(configFile: string | undefined, work: (node: NodeClient) => Promise<number>): Promise<number> {
  const node = NodeClient.connect(configFile);
  try {
    return await work(node);
  } catch (error) {
    return fail(error as Error);
  }
}

/** A socket error in a few words: `connect ECONNREFUSED 127.0.0.1:8080`, `getaddrinfo ENOTFOUND vigil-1`, the timeout. */
function socketErrorText(error: unknown, timeoutMs: number): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === 'AbortError') return `timed out after ${timeoutMs} ms`;
  // Trying both address families of a name ends in an AggregateError without a message of its own.
  const first = (error as Partial<AggregateError>).errors?.[0] as Error | undefined;
  return error.message || first?.message || (error as { code?: string }).code || error.name;
}
