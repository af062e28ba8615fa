export { startHttpServer, type HttpServer, type HttpServerOptions, type ReadinessCheck } from './http-server.ts';
export { listenExclusive, LISTEN_RETRY_MS } from './listen-exclusive.ts';
export { HttpListenError } from './errors.ts';
export { uwsBuild, type UwsBuild } from './uws.ts';
export type { CredentialChange, SatelliteSession } from './satellite-gateway.ts';
export { admitResult, assignedChecksOf, type AssignedChecks, type ResultTimeLimits } from './result-admission.ts';
export { statusPageSchema, systemStatusSchema, buildStatusPage, type StatusPage, type SystemStatus } from './status-page.ts';
export { LiveStream, type LiveStreamName, type LiveStreamOptions, type LiveSource, type LiveMessage } from './live-stream.ts';
