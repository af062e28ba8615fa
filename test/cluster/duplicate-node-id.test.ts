import { describe, expect, it } from 'vitest';
import { useIsolation } from '../support/fixtures.ts';
import { NodeProcess } from '../support/node-process.ts';
import { scaled } from '../support/time-scale.ts';

const isolation = useIsolation();

describe('two live processes with the same VIGIL_NODE_ID', () => {
  it('are detected: the node stops with exit code 2 and says why, instead of two writers fighting', async () => {
    const first = new NodeProcess({ databaseUrl: isolation.databaseUrl, namespace: isolation.namespace, nodeId: 'twin' });
    const second = new NodeProcess({ databaseUrl: isolation.databaseUrl, namespace: isolation.namespace, nodeId: 'twin' });
    isolation.defer(() => Promise.all([first.kill(), second.kill()]));
    await first.start();
    const firstExit = new Promise<number | null>((resolve) => first.onExit(resolve));
    await second.start().catch(() => undefined); // it may be the one that stops
    const code = await Promise.race([firstExit, new Promise((resolve) => setTimeout(() => resolve('still running'), 10_000))]);
    expect(code).toBe(2);
    expect(first.output).toContain('another live process uses node id twin');
  }, scaled(60_000));
});
