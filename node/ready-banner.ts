import type { NodeEndpoints } from './endpoints.ts';

/**
 * The few lines `vigil start` prints on stderr (when it is a terminal) once the node is ready:
 * where to reach it and how to use the CLI next to it. The same facts are in the
 * `vigil node ready` log line and in `<dataDir>/node.json`, for programs.
 */
export function formatReadyBanner(endpoints: NodeEndpoints): string {
  const usesDataDir = endpoints.embeddedDatabase || endpoints.embeddedNats;
  const stored = [endpoints.embeddedDatabase ? 'PGlite database' : undefined, endpoints.embeddedNats ? 'JetStream store' : undefined].filter(Boolean).join(' and ');
  const lines = [
    `Vigil node ${endpoints.nodeId} is ready.`,
    `  HTTP  ${endpoints.httpUrl}   (curl ${endpoints.httpUrl}/readyz)`,
    `  NATS  ${endpoints.natsUrl}${endpoints.embeddedNats ? '   (its own nats-server)' : ''}`,
  ];
  if (usesDataDir) lines.push(`  data  ${endpoints.dataDir}   (${stored}; locked by this process)`);
  if (endpoints.embeddedDatabase) {
    lines.push(
      `  CLI   vigil <command> from another terminal (vigil --help). While this node runs, commands that`,
      `        open its database (check list, runs list, status, …) are refused: use the HTTP API.`,
    );
  } else {
    lines.push(`  CLI   vigil <command> (vigil --help) with this node's DATABASE_URL and NATS_URL=${endpoints.natsUrl}`);
  }
  if (usesDataDir) lines.push(`  Ctrl-C stops it; another process finds it through ${endpoints.dataDir}/node.json`);
  return `${lines.join('\n')}\n`;
}
