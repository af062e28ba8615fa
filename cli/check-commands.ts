import { z } from 'zod';
import { describeStrategy, givesStrategy, strategyOf, strategyOptionsSchema } from './check-strategy-options.ts';
import type { CommandLine } from './command-line.ts';
import { fail, UsageError } from './exit.ts';
import { CommandRefusedError, withNode, type NodeClient } from './node-client.ts';
import { durationSchema, idListSchema, idSchema } from './option-schemas.ts';

// `vigil check add|update|remove|list|push-token`: checks are entities, changed through the cluster
// like any other, so the satellites they name get `assignments_updated` at once. The shapes of the options
// are checked here (exit code 2); their values by the cluster (the check's zod schema): a bad URL
// is refused with INVALID_EVENT and changes nothing (exit code 1). How a check runs (its strategy)
// comes from cli/check-strategy-options.ts.

const settingsOptions = strategyOptionsSchema.extend({
  interval: durationSchema.optional(),
  satellites: idListSchema.optional(),
});
type Settings = z.output<typeof settingsOptions>;

export async function addCheck(line: CommandLine): Promise<number> {
  const checkId = line.argument(0, idSchema);
  const { system, ...settings } = line.options(settingsOptions.extend({ system: idSchema }));
  if (!givesStrategy(settings)) throw new UsageError('give what to probe: --http <url>, --tcp <host:port>, --dns <name>, --tls <host[:port]>, --strategy <json|@file>, or --push --period <duration> for a job that pings');
  const strategy = strategyOf(settings)!;
  if (strategy.kind === 'push' && settings.satellites?.length) throw new UsageError('a push check has no satellites: its job pings Vigil');
  // A push check's job needs its token: issued right after the check exists, shown only now.
  const afterwards = strategy.kind === 'push' ? (cluster: NodeClient) => printPushToken(cluster, checkId) : undefined;
  return send(line, checkId, 'add', { type: 'create', systemId: system, strategy, ...scheduleOf(settings) }, { system, satellites: settings.satellites }, afterwards);
}

export async function updateCheck(line: CommandLine): Promise<number> {
  const checkId = line.argument(0, idSchema);
  const settings = line.options(settingsOptions);
  const strategy = strategyOf(settings);
  const event = { type: 'update', ...(strategy ? { strategy } : {}), ...scheduleOf(settings) };
  if (Object.keys(event).length === 1) throw new UsageError('give what to change: a strategy (--http, --tcp, --dns, --tls, --push or --strategy, with their options), --interval or --satellites');
  return send(line, checkId, 'update', event, { satellites: settings.satellites });
}

/** `vigil check push-token <id>`: issues (or rotates) a push check's token and prints the URL to ping. */
export async function rotatePushToken(line: CommandLine): Promise<number> {
  const checkId = line.argument(0, idSchema);
  return withNode(line.configFile, async (cluster) => {
    await printPushToken(cluster, checkId);
    return 0;
  });
}

async function printPushToken(cluster: NodeClient, checkId: string): Promise<void> {
  const { path } = await cluster.request<{ path: string }>('POST', `/checks/${encodeURIComponent(checkId)}/push-token`);
  console.log(`push URL of check ${checkId} (shown only now; \`vigil check push-token ${checkId}\` makes a new one):`);
  console.log(`  ${cluster.urlOf(path)}`);
  console.log(`  e.g. in cron: curl -fsS -X POST ${cluster.urlOf(path)}`);
}

export async function removeCheck(line: CommandLine): Promise<number> {
  return send(line, line.argument(0, idSchema), 'remove', { type: 'delete' });
}

/** The system and satellites a check names; each must exist (the check entity cannot look them up itself). */
interface References {
  system?: string;
  satellites?: string[] | undefined;
}

async function send(
  line: CommandLine,
  checkId: string,
  action: 'add' | 'update' | 'remove',
  event: Record<string, unknown>,
  references: References = {},
  /** Run once the change is committed. */
  afterwards?: (cluster: NodeClient) => Promise<void>,
): Promise<number> {
  return withNode(line.configFile, async (cluster) => {
    const unknown = await unknownReferences(cluster, references);
    if (unknown.length > 0) return fail(`check ${checkId} not ${action === 'add' ? 'created' : 'changed'}: ${unknown.join('; ')}`);
    try {
      const change = await cluster.send('check', checkId, event);
      console.log(change ? `check ${checkId}: ${action === 'add' ? 'created' : action === 'update' ? 'updated' : 'removed'} (version ${change.version})` : `check ${checkId}: unchanged`);
    } catch (error) {
      if (error instanceof CommandRefusedError && error.code === 'EVENT_NOT_ALLOWED') {
        if (action === 'add') return fail(`check ${checkId} exists (or was removed: ids are never reused)`);
        return fail(action === 'update' && event.satelliteIds !== undefined ? `no check ${checkId}, or it is a push check (those have no satellites)` : `no check ${checkId}`);
      }
      throw error;
    }
    await afterwards?.(cluster);
    return 0;
  });
}

/** What of `references` the cluster does not know, as `no system "x"` phrases (read through the query API). */
async function unknownReferences(cluster: NodeClient, references: References): Promise<string[]> {
  const exists = (path: string) =>
    cluster.request('GET', path).then(
      () => true,
      (error: unknown) => {
        if (error instanceof CommandRefusedError && error.code === 'NOT_FOUND') return false;
        throw error;
      },
    );
  const missing: string[] = [];
  if (references.system !== undefined && !(await exists(`/systems/${encodeURIComponent(references.system)}`))) {
    missing.push(`no system "${references.system}" (add it to the catalog first)`);
  }
  for (const satellite of references.satellites ?? []) {
    if (!(await exists(`/satellites/${encodeURIComponent(satellite)}`))) missing.push(`no satellite "${satellite}" (vigil satellite add ${satellite} …)`);
  }
  return missing;
}

function scheduleOf(settings: Settings): Record<string, unknown> {
  return {
    ...(settings.interval !== undefined ? { intervalMs: settings.interval } : {}),
    ...(settings.satellites !== undefined ? { satelliteIds: settings.satellites } : {}),
  };
}

export async function listChecks(line: CommandLine): Promise<number> {
  const { json } = line.options(z.object({ json: z.boolean().optional() }));
  return withNode(line.configFile, async (node) => {
    const rows = await node.list<{ systemId: string; strategy: Record<string, unknown>; intervalMs: number; satelliteIds: string[]; push?: { lastPing: { at: number } | null; dueAt: number } }>('check');
    if (json) {
      console.log(JSON.stringify(rows.map((row) => row.state), null, 2));
      return 0;
    }
    for (const { id, state } of rows) {
      if (state.push) {
        const lastPing = state.push.lastPing ? new Date(state.push.lastPing.at).toISOString() : 'never';
        console.log(`${id.padEnd(28)} system ${state.systemId.padEnd(20)} ${describeStrategy(state.strategy)}  last ping: ${lastPing}  due: ${new Date(state.push.dueAt).toISOString()}`);
        continue;
      }
      const target = describeStrategy(state.strategy);
      console.log(`${id.padEnd(28)} system ${state.systemId.padEnd(20)} every ${state.intervalMs / 1000}s  ${target}  satellites: ${state.satelliteIds.join(', ') || '(none)'}`);
    }
    return 0;
  });
}
