import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, loadConfig, startNode, type VigilConfig, type VigilNode } from '../../node/index.ts';
import { NATS_URL, TEST_ADMIN_TOKEN } from './isolation.ts';

export interface TestNodeOptions {
  databaseUrl: string;
  namespace: string;
  natsUrl?: string;
  nodeId?: string;
  env?: Record<string, string>;
}

/** Environment for a node in a test: isolated database and namespace, random HTTP port, fast polls. */
export function testNodeEnvironment(options: TestNodeOptions): Record<string, string> {
  return {
    DATABASE_URL: options.databaseUrl,
    NATS_URL: options.natsUrl ?? NATS_URL,
    VIGIL_NAMESPACE: options.namespace,
    VIGIL_NODE_ID: options.nodeId ?? 'test-node',
    VIGIL_HTTP_HOST: '127.0.0.1',
    VIGIL_HTTP_PORT: '0',
    VIGIL_DATA_DIR: mkdtempSync(join(tmpdir(), 'vigil-test-')),
    VIGIL_TIMER_POLL_MS: '200',
    VIGIL_OUTBOX_POLL_MS: '200',
    VIGIL_DUPLICATE_WINDOW_MS: '600000',
    VIGIL_LOG_LEVEL: process.env.VIGIL_TEST_LOG_LEVEL ?? 'silent',
    VIGIL_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    ...options.env,
  };
}

/** A node in this process (fast; for tests that do not need to kill it). */
export async function startTestNode(options: TestNodeOptions): Promise<VigilNode> {
  const config: VigilConfig = loadConfig(testNodeEnvironment(options), undefined);
  return startNode(config, createLogger(config.nodeId, config.logLevel));
}
