import { NodeProcess } from '../../test/support/node-process.ts';

/**
 * The `vigil start` process a benchmark measures: on its own database and namespace, with the
 * inspector open (so the bench can force garbage collections and read the heap or the event
 * loop, see node-inspector.ts) and any flags from `BENCH_NODE_ARGS` (e.g.
 * `"--cpu-prof --cpu-prof-dir=/tmp/prof"` to profile it).
 */
export function benchNode(options: { databaseUrl: string; namespace: string; env?: Record<string, string> }): NodeProcess {
  return new NodeProcess({
    databaseUrl: options.databaseUrl,
    namespace: options.namespace,
    nodeId: 'bench',
    ...(options.env ? { env: options.env } : {}),
    nodeArguments: ['--inspect=127.0.0.1:0', ...(process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [])],
  });
}
