import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderNatsAccounts, vigilNatsUsers } from './nats-accounts-config.ts';
import { commandsPermissions, nodesPermissions, readerPermissions } from './nats-permissions.ts';

const deployFile = (name: string) => readFileSync(new URL(`../deploy/${name}`, import.meta.url), 'utf8');

describe("Vigil's NATS users", () => {
  it('deploy/nats-accounts.conf is the template for namespace vigil, included by the cluster config', () => {
    expect(deployFile('nats-accounts.conf')).toBe(renderNatsAccounts({ namespace: 'vigil' }));
    expect(deployFile('nats-cluster.conf')).toMatch(/^include \.\/nats-accounts\.conf$/m);
  });

  it('gives the command sender requests on <ns>.cmd.> and its own inbox, nothing else', () => {
    expect(commandsPermissions('vigil', { inboxPrefix: '_INBOX_vigil-commands' })).toEqual({
      publish: ['vigil.cmd.>'],
      subscribe: ['_INBOX_vigil-commands.>'],
      allowResponses: false,
    });
  });

  it('lets the reader publish nothing but reads of its streams and pulls and acks of its own durables', () => {
    const reader = readerPermissions('vigil', { inboxPrefix: '_INBOX_vigil-reader', durables: ['billing'] });
    expect(reader.subscribe).toEqual(['vigil.entity.>', 'vigil.trigger.>', '_INBOX_vigil-reader.>']);
    for (const subject of reader.publish) {
      expect(subject).toMatch(/^\$JS\.(API\.INFO$|API\.STREAM\.(INFO|MSG\.GET)\.VIGIL_(ENTITY|TRIGGER)$|API\.CONSUMER\.(INFO|MSG\.NEXT)\.VIGIL_(ENTITY|TRIGGER)\.billing$|ACK\.VIGIL_(ENTITY|TRIGGER)\.billing\.>$)/);
    }
    expect(() => readerPermissions('vigil', { inboxPrefix: '_INBOX_r', durables: ['vigil_automation-runs'] })).toThrow(/must not start with "vigil_"/);
    expect(() => readerPermissions('vigil', { inboxPrefix: '_INBOX_r', durables: ['a.b'] })).toThrow(/letters, digits/);
  });

  it("keeps the nodes to their namespace's subjects, streams and bucket, and never lets them delete or purge a stream", () => {
    const nodes = nodesPermissions('vigil');
    expect(nodes.subscribe).toEqual(['vigil.>', '_INBOX.>']);
    for (const subject of nodes.publish) {
      expect(subject).toMatch(/^(vigil\.>|\$JS\.API\.INFO|\$KV\.vigil_cluster\.>|\$JS\.[A-Z.]+\.(VIGIL_(ENTITY|TRIGGER|PARKED)|KV_vigil_cluster)(\.[*>])?)$/);
      expect(subject).not.toMatch(/STREAM\.(DELETE|PURGE)/);
    }
  });

  it('names the users and inbox prefixes after the namespace', () => {
    expect(vigilNatsUsers({ namespace: 'acme' }).map(({ role, user, inboxPrefix, passwordVariable }) => ({ role, user, inboxPrefix, passwordVariable }))).toEqual([
      { role: 'nodes', user: 'acme-nodes', inboxPrefix: '_INBOX', passwordVariable: 'NATS_NODES_PASSWORD' },
      { role: 'reader', user: 'acme-reader', inboxPrefix: '_INBOX_acme-reader', passwordVariable: 'NATS_READER_PASSWORD' },
      { role: 'commands', user: 'acme-commands', inboxPrefix: '_INBOX_acme-commands', passwordVariable: 'NATS_COMMANDS_PASSWORD' },
    ]);
    expect(renderNatsAccounts({ namespace: 'acme' })).toContain('  ACME {\n    jetstream: enabled');
  });
});
