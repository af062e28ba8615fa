import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSetupFile, SetupFileError } from './setup-file.ts';

const dir = mkdtempSync(join(tmpdir(), 'vigil-setup-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('setup files', () => {
  it('reads YAML with each kind\'s create fields and fills their defaults', () => {
    const setup = readSetupFile(file('ok.yaml', `
groups:
  - { id: payments, name: Payments }
systems:
  - id: shop
    name: Shop
    groupIds: [payments]
satellites:
  - { id: edge-eu, name: EU edge, region: eu-west, tokenEnv: EDGE_EU_TOKEN }
checks:
  - id: shop-home
    systemId: shop
    strategy: { kind: http, url: "https://shop.example/health" }
    intervalMs: 30000
    satelliteIds: [edge-eu]
  - id: shop-mx
    systemId: shop
    strategy: { kind: dns, name: shop.example, recordType: MX, expectedAnswers: ["10 mail.shop.example"] }
  - id: shop-cert
    systemId: shop
    strategy: { kind: tls, host: shop.example }
maintenances:
  - id: db-upgrade
    title: DB upgrade
    systemIds: [shop]
    schedule: { kind: once, startsAt: 1767488400000, endsAt: 1767495600000 }
`));
    expect(setup.systems[0]).toEqual({ id: 'shop', name: 'Shop', description: '', metadata: {}, groupIds: ['payments'] });
    expect(setup.satellites[0]).toMatchObject({ heartbeatThresholdMs: 45_000, tokenEnv: 'EDGE_EU_TOKEN' });
    expect(setup.checks.map((check) => check.strategy)).toEqual([
      { kind: 'http', url: 'https://shop.example/health', method: 'GET', timeoutMs: 10_000 },
      { kind: 'dns', name: 'shop.example', recordType: 'MX', expectedAnswers: ['10 mail.shop.example'], match: 'contains', timeoutMs: 10_000 },
      { kind: 'tls', host: 'shop.example', port: 443, certificateMinDaysLeft: 14, acceptInvalidCertificates: false, timeoutMs: 10_000 },
    ]);
    expect(setup.maintenances[0]).toEqual({
      id: 'db-upgrade', title: 'DB upgrade', description: '', systemIds: ['shop'], schedule: { kind: 'once', startsAt: 1767488400000, endsAt: 1767495600000 },
    });
  });

  it('reads the example of deploy/, with a check of each kind', () => {
    const example = readSetupFile(new URL('../deploy/setup.example.yaml', import.meta.url).pathname);
    expect(example.checks.map((check) => check.strategy.kind)).toEqual(['http', 'tcp', 'http', 'dns', 'tls']);
  });

  it('reads JSON and an empty file', () => {
    expect(readSetupFile(file('ok.json', '{"groups":[{"id":"g","name":"G"}]}')).groups).toHaveLength(1);
    expect(readSetupFile(file('empty.yaml', ''))).toEqual({ groups: [], systems: [], satellites: [], checks: [], maintenances: [] });
  });

  it('refuses bad files with the path of each problem', () => {
    const bad = (text: string) => {
      try {
        readSetupFile(file('bad.yaml', text));
      } catch (error) {
        expect(error).toBeInstanceOf(SetupFileError);
        return (error as Error).message;
      }
      throw new Error('accepted');
    };
    expect(bad('systems:\n  - { id: a, name: A }\n  - { id: a, name: B }')).toContain('systems.1.id: id "a" is declared twice');
    expect(bad('checks:\n  - { id: c, systemId: s, strategy: { kind: ftp } }')).toContain('checks.0.strategy');
    expect(bad('incidents: []')).toContain('incidents');
    expect(bad('systems: [ { id: a')).toContain('not valid YAML');
    expect(bad('satellites:\n  - { id: s, name: S, region: r, tokenEnv: "1 bad" }')).toContain('satellites.0.tokenEnv');
    expect(bad('maintenances:\n  - { id: m, title: M, systemIds: [s], schedule: { kind: recurring, timezone: Nowhere, weekdays: [mon], startTime: "10:00", durationMinutes: 5 } }'))
      .toContain('maintenances.0.schedule.timezone');
    expect(() => readSetupFile(join(dir, 'missing.yaml'))).toThrow(SetupFileError);
  });

  it('refuses text PostgreSQL cannot store anywhere in the file, naming where; accepts astral characters', () => {
    for (const [escape, name] of [['\\0', 'U+0000'], ['\\uD800', 'U+D800, a lone surrogate'], ['\\uDC00', 'U+DC00, a lone surrogate']]) {
      const path = file('unstorable.yaml', `systems:\n  - { id: shop, name: "Shop${escape}", metadata: { "team${escape}": x } }\n`);
      expect(() => readSetupFile(path)).toThrow(`systems.0.name: contains a character PostgreSQL cannot store (${name})`);
      expect(() => readSetupFile(path)).toThrow('systems.0.metadata.team\\u');
    }
    const setup = readSetupFile(file('emoji.yaml', 'systems:\n  - { id: shop, name: "Shop \\U0001F6D2", description: "\u{1F680}" }\n'));
    expect(setup.systems[0]).toMatchObject({ name: 'Shop \u{1F6D2}', description: '\u{1F680}' });
  });
});
