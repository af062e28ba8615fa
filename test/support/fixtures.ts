import { afterAll, beforeAll } from 'vitest';
import type { VigilNode } from '../../node/index.ts';
import { createTestDatabase, createTestNamespace } from './isolation.ts';
import { startTestNode } from './test-node.ts';

/** What a test file gets from `useIsolation`: its own database and NATS namespace. */
export interface Isolation {
  readonly databaseUrl: string;
  readonly namespace: string;
  /** Registers a teardown step; steps run last-registered first, before the database is dropped. */
  defer(step: () => Promise<unknown> | unknown): void;
}

/**
 * Gives the calling test file a fresh database and NATS namespace (created in `beforeAll`,
 * removed in `afterAll` after every deferred step), so runs never see each other's data.
 */
export function useIsolation(): Isolation {
  let databaseUrl = '';
  let namespace = '';
  const steps: Array<() => Promise<unknown> | unknown> = [];
  beforeAll(async () => {
    const database = await createTestDatabase();
    const ns = createTestNamespace();
    databaseUrl = database.url;
    namespace = ns.namespace;
    steps.push(database.drop, ns.cleanup);
  });
  afterAll(async () => {
    for (const step of steps.reverse()) await Promise.resolve(step()).catch(() => undefined);
  });
  return {
    get databaseUrl() {
      return databaseUrl;
    },
    get namespace() {
      return namespace;
    },
    defer: (step) => void steps.push(step),
  };
}

/** `useIsolation` plus one in-process node started on it for the whole file (`env`: more settings for it). */
export function useTestNode(options: { env?: Record<string, string> } = {}): Isolation & { readonly node: VigilNode } {
  const isolation = useIsolation();
  let node: VigilNode | undefined;
  beforeAll(async () => {
    node = await startTestNode({ databaseUrl: isolation.databaseUrl, namespace: isolation.namespace, ...(options.env ? { env: options.env } : {}) });
    isolation.defer(() => node!.stop());
  });
  return {
    get databaseUrl() {
      return isolation.databaseUrl;
    },
    get namespace() {
      return isolation.namespace;
    },
    defer: isolation.defer,
    get node(): VigilNode {
      if (!node) throw new Error('the test node starts in beforeAll');
      return node;
    },
  };
}
