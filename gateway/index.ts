export { startHttpServer, type HttpServer, type HttpServerOptions, type ReadinessCheck } from './http-server.ts';
