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
  if (usesDataDir) {
    lines.push(
      `  CLI   vigil <command> from another terminal in this folder (vigil --help): it finds this node`,
      `        through ${endpoints.dataDir}/node.json and uses the admin token in ${endpoints.dataDir}/admin-token.`,
    );
  } else {
    lines.push(`  CLI   VIGIL_URL=${endpoints.httpUrl} VIGIL_TOKEN=<an API token> vigil <command> (vigil --help)`);
  }
  if (usesDataDir) lines.push(`  Ctrl-C stops it; another process finds it through ${endpoints.dataDir}/node.json`);
  return `${lines.join('\n')}\n`;
}
