export { loadConfig, configSchema, ConfigError, type VigilConfig } from './config.ts';
export { createLogger, type Logger } from './logger.ts';
export { startNode, type VigilNode } from './vigil-node.ts';
export { startEmbeddedNats, findNatsServer, freePort, waitForTcpPort, EmbeddedNatsError, type EmbeddedNats } from './embedded-nats.ts';
export { readClusterStatus, type ClusterStatus } from './cluster-status.ts';
