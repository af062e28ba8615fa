import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLIENT_DEFAULTS, loadClientConfig } from '../../cli/client-config.ts';
import { loadConfig } from '../../node/config.ts';
import { ConfigError } from '../../node/config-error.ts';

const token = `vgl_${'t'.repeat(43)}`;
const other = `vgl_${'o'.repeat(43)}`;

describe('the CLI client configuration', () => {
  it('has the node configuration defaults (data folder, HTTP port, command timeout)', () => {
    const node = loadConfig({});
    expect(CLIENT_DEFAULTS).toEqual({ dataDir: node.dataDir, httpPort: node.http.port, commandTimeoutMs: node.timeouts.commandMs });
  });

  it('reads the node config file keys it needs; variables win over the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-client-config-'));
    const file = join(dir, 'vigil.json');
    writeFileSync(file, JSON.stringify({ dataDir: join(dir, 'data'), adminToken: token, http: { port: 9999 }, timeouts: { commandMs: 2_000 }, namespace: 'whatever' }));
    expect(loadClientConfig({}, file)).toEqual({ url: 'http://127.0.0.1:9999', token, requestTimeoutMs: 7_000 });
    expect(loadClientConfig({ VIGIL_URL: 'https://vigil.example:8443', VIGIL_TOKEN: other, VIGIL_COMMAND_TIMEOUT_MS: '' }, file)).toEqual({ url: 'https://vigil.example:8443', token: other, requestTimeoutMs: 7_000 });
    writeFileSync(file, JSON.stringify({ http: { port: 'eighty' } }));
    expect(() => loadClientConfig({ VIGIL_TOKEN: token }, file)).toThrow(`config file ${file}: http.port:`);
    expect(() => loadClientConfig({ VIGIL_TOKEN: token, VIGIL_HTTP_PORT: '80a' }, undefined)).toThrow(ConfigError);
  });
});
