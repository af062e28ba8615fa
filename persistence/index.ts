export { Database, type DatabaseOptions, type Transaction } from './database.ts';
export { TransitionStore, type CommitOutcome, type PendingCommit, type StoredEntity } from './transition-store.ts';
export { OutboxStore, type OutboxRow } from './outbox-store.ts';
export { TimerStore, type DueTimer } from './timer-store.ts';
export { LeaseStore, type LeaseFence } from './lease-store.ts';
export { SatelliteCredentialStore } from './satellite-credential-store.ts';
export { AssignmentStore, type StoredAssignment } from './assignment-store.ts';
export { PersistenceError, isDataRejected, type PersistenceErrorCode } from './errors.ts';
export * from './entities/index.ts';
