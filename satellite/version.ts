/**
 * The agent's version, sent in every heartbeat and printed by `--version`. Keep it equal to the
 * `version` of packages/satellite/package.json (satellite/config.test.ts checks it).
 */
export const AGENT_VERSION = '0.1.0';
