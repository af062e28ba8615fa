import { describe, expect, it } from 'vitest';
import { localHttpUrl, nodeEndpoints, withoutCredentials } from './endpoints.ts';
import { formatReadyBanner } from './ready-banner.ts';

describe('node endpoints', () => {
  it('never carry credentials: user info is removed from every NATS URL', () => {
    expect(withoutCredentials('nats://user:secret@nats-1:4222, nats://token@nats-2:4222')).toBe('nats://nats-1:4222,nats://nats-2:4222');
    expect(withoutCredentials('user:secret@nats-1:4222')).toBe('nats-1:4222');
    expect(withoutCredentials('tls://nats.example.com:4222')).toBe('tls://nats.example.com:4222');
  });

  it('give the HTTP URL a client on this machine uses', () => {
    expect(localHttpUrl('0.0.0.0', 8080)).toBe('http://127.0.0.1:8080');
    expect(localHttpUrl('::', 8080)).toBe('http://[::1]:8080');
    expect(localHttpUrl('fd00::5', 8080)).toBe('http://[fd00::5]:8080');
    expect(localHttpUrl('vigil-1.internal', 80)).toBe('http://vigil-1.internal:80');
  });

  it('are what the ready banner shows, with the data folder only when the node uses one', () => {
    const embedded = formatReadyBanner(
      nodeEndpoints({ nodeId: 'solo', httpHost: '0.0.0.0', httpPort: 8080, natsUrl: 'nats://127.0.0.1:41234', dataDir: '/srv/.vigil', embeddedDatabase: true, embeddedNats: true }),
    );
    expect(embedded).toContain('http://127.0.0.1:8080');
    expect(embedded).toContain('nats://127.0.0.1:41234');
    expect(embedded).toContain('/srv/.vigil/node.json');
    const cluster = formatReadyBanner(
      nodeEndpoints({ nodeId: 'vigil-1', httpHost: '0.0.0.0', httpPort: 8081, natsUrl: 'nats://vigil:hunter2@nats-1:4222', dataDir: '/srv/.vigil', embeddedDatabase: false, embeddedNats: false }),
    );
    expect(cluster).not.toContain('hunter2');
    expect(cluster).not.toContain('/srv/.vigil');
    expect(cluster).toContain('VIGIL_URL=http://127.0.0.1:8081');
  });
});
