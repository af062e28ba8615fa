export { loadConfig, configSchema, ConfigError, type VigilConfig } from './config.ts';
export { createLogger, type Logger } from './logger.ts';
export { startNode, type VigilNode } from './vigil-node.ts';
export { startEmbeddedNats, findNatsServer, freePort, waitForTcpPort, EmbeddedNatsError, type EmbeddedNats } from './embedded-nats.ts';
export { readClusterStatus, type ClusterStatus } from './cluster-status.ts';
export { findLocalNode, LOCAL_NODE_FILE, type LocalNode } from './local-node.ts';
export { formatReadyBanner } from './ready-banner.ts';
export { localHttpUrl, withoutCredentials, type NodeEndpoints } from './endpoints.ts';
