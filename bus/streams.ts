import { DiscardPolicy, RetentionPolicy, StorageType, type StreamConfig } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import type { Bus } from './connection.ts';
import { BusError } from './errors.ts';

export interface StreamOptions {
  /** 1 on a single server, 3 on a 3-node JetStream cluster. */
  replicas: number;
  /** JetStream drops a re-published message id seen within this window (ms). */
  duplicateWindowMs: number;
  /** How long changes and triggers stay on the stream for late or new subscribers (ms). */
  maxAgeMs?: number;
}

/**
 * Creates the entity, trigger and parked streams, or updates them to this configuration.
 * Safe to run on every start of every node (idempotent). File storage: on nats-server 2.9 a
 * memory stream slows down as it grows under de-duplicated publishing.
 */
export async function ensureStreams(bus: Bus, options: StreamOptions): Promise<void> {
  const { subjects } = bus;
  const day = 24 * 60 * 60 * 1000;
  const base = {
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    num_replicas: options.replicas,
    duplicate_window: nanos(options.duplicateWindowMs),
  };
  await ensureStream(bus, { ...base, name: subjects.streams.entity, subjects: [subjects.entityFilter()], max_age: nanos(options.maxAgeMs ?? 7 * day) });
  await ensureStream(bus, { ...base, name: subjects.streams.trigger, subjects: [subjects.triggerFilter()], max_age: nanos(options.maxAgeMs ?? 7 * day) });
  await ensureStream(bus, { ...base, name: subjects.streams.parked, subjects: [subjects.parkedFilter()], max_age: nanos(30 * day) });
}

async function ensureStream(bus: Bus, config: Partial<StreamConfig> & { name: string }): Promise<void> {
  try {
    const existing = await bus.jsm.streams.info(config.name).catch(() => null);
    if (existing === null) {
      await bus.jsm.streams.add(config);
      return;
    }
    const { storage: _storage, retention: _retention, ...updatable } = config;
    await bus.jsm.streams.update(config.name, updatable);
  } catch (error) {
    throw new BusError('STREAM_SETUP_FAILED', `cannot create or update stream ${config.name}: ${(error as Error).message}`, { cause: error });
  }
}

/** Deletes the namespace's streams and its cluster KV bucket (tests clean up after themselves with this). */
export async function deleteStreams(bus: Bus): Promise<void> {
  for (const name of [...Object.values(bus.subjects.streams), `KV_${bus.subjects.clusterBucket}`]) {
    await bus.jsm.streams.delete(name).catch(() => undefined);
  }
}
