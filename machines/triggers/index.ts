/** Public surface of the trigger catalog: contracts, registry, per-domain definitions and derivers. */
export * from './trigger-definition.ts';
export * from './trigger-registry.ts';
export { fire } from './define-trigger.ts';
export { deriveTriggers } from './derive-triggers.ts';
export * from './catalog.triggers.ts';
export * from './incident.triggers.ts';
export * from './healthcheck.triggers.ts';
export * from './satellite.triggers.ts';
export * from './maintenance.triggers.ts';
export * from './automation.triggers.ts';
