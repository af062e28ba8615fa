import type { VigilConfig } from '../node/index.ts';
import { CommandRefusedError, NodeClient } from './node-client.ts';
import { fail, usage } from './exit.ts';

export interface CheckFlags {
  system?: string | undefined;
  http?: string | undefined;
  tcp?: string | undefined;
  method?: string | undefined;
  expect?: string | undefined;
  timeout?: string | undefined;
  interval?: string | undefined;
  satellites?: string | undefined;
  json?: boolean | undefined;
}

const addUsage = 'vigil check add <id> --system <systemId> (--http <url> [--method GET] [--expect 200] | --tcp <host:port>) [--timeout 10s] [--interval 60s] [--satellites a,b]';
const updateUsage = 'vigil check update <id> [--http <url> [--method] [--expect] | --tcp <host:port>] [--timeout 10s] [--interval 60s] [--satellites a,b]';

/**
 * `vigil check add|update|remove|list`: checks are entities, changed through the cluster like any
 * other, so the satellites they name get `assignments_updated` at once. Values are validated by
 * the cluster (the check's zod schema): a bad one is refused with INVALID_EVENT and changes nothing.
 */
export async function checkCommand(config: VigilConfig, args: string[], flags: CheckFlags): Promise<number> {
  const [action, checkId] = args;
  if (action === 'list') return listChecks(config, flags.json === true);
  if (!checkId || !['add', 'update', 'remove'].includes(action ?? '')) return usage('vigil check add|update|remove|list');

  let event: Record<string, unknown>;
  try {
    if (action === 'add') {
      if (!flags.system || (!flags.http && !flags.tcp)) return usage(addUsage);
      event = { type: 'create', systemId: flags.system, strategy: strategyOf(flags), ...settingsOf(flags) };
    } else if (action === 'update') {
      event = { type: 'update', ...(flags.http || flags.tcp ? { strategy: strategyOf(flags) } : {}), ...settingsOf(flags) };
      if (Object.keys(event).length === 1) return usage(updateUsage);
    } else {
      event = { type: 'delete' };
    }
  } catch (error) {
    return usage(`${(error as Error).message}\n  ${action === 'update' ? updateUsage : addUsage}`);
  }

  const cluster = NodeClient.connect(config);
  try {
    const change = await cluster.send('check', checkId, event);
    console.log(change ? `check ${checkId}: ${action === 'add' ? 'created' : action === 'update' ? 'updated' : 'removed'} (version ${change.version})` : `check ${checkId}: unchanged`);
    return 0;
  } catch (error) {
    if (error instanceof CommandRefusedError && error.code === 'EVENT_NOT_ALLOWED') {
      return fail(action === 'add' ? `check ${checkId} exists (or was removed: ids are never reused)` : `no check ${checkId}`);
    }
    return fail((error as Error).message);
  } finally {
    await cluster.close();
  }
}

function strategyOf(flags: CheckFlags): Record<string, unknown> {
  const timeout = flags.timeout === undefined ? {} : { timeoutMs: durationMs(flags.timeout, '--timeout') };
  if (flags.http && flags.tcp) throw new Error('--http and --tcp exclude each other');
  if (flags.http) {
    return {
      kind: 'http',
      url: flags.http,
      ...(flags.method ? { method: flags.method.toUpperCase() } : {}),
      ...(flags.expect ? { expectedStatus: Number(flags.expect) } : {}),
      ...timeout,
    };
  }
  const match = /^(.+):(\d+)$/.exec(flags.tcp ?? '');
  if (!match) throw new Error('--tcp takes host:port');
  return { kind: 'tcp', host: match[1], port: Number(match[2]), ...timeout };
}

function settingsOf(flags: CheckFlags): Record<string, unknown> {
  return {
    ...(flags.interval !== undefined ? { intervalMs: durationMs(flags.interval, '--interval') } : {}),
    ...(flags.satellites !== undefined ? { satelliteIds: flags.satellites.split(',').map((id) => id.trim()).filter(Boolean) } : {}),
  };
}

/** `1500`, `1500ms`, `30s`, `5m`, `1h` → milliseconds. */
export function durationMs(text: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!match) throw new Error(`${flag} takes a duration such as 1500ms, 30s, 5m`);
  const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[(match[2] ?? 'ms') as 'ms' | 's' | 'm' | 'h'];
  return Math.round(Number(match[1]) * unit);
}

async function listChecks(config: VigilConfig, json: boolean): Promise<number> {
  try {
    const rows = await NodeClient.connect(config).list<{ systemId: string; strategy: Record<string, unknown>; intervalMs: number; satelliteIds: string[] }>('check');
    if (json) {
      console.log(JSON.stringify(rows.map((row) => row.state), null, 2));
      return 0;
    }
    for (const { id, state } of rows) {
      const target = state.strategy.kind === 'http' ? `${String(state.strategy.method)} ${String(state.strategy.url)}` : `tcp ${String(state.strategy.host)}:${String(state.strategy.port)}`;
      console.log(`${id.padEnd(28)} system ${state.systemId.padEnd(20)} every ${state.intervalMs / 1000}s  ${target}  satellites: ${state.satelliteIds.join(', ') || '(none)'}`);
    }
    return 0;
  } catch (error) {
    return fail((error as Error).message);
  }
}
