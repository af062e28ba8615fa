import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { agentSettings, type AgentSetting } from '../../satellite/settings.ts';

/**
 * Keeps docs/SATELLITE.md honest: every setting of the agent (satellite/settings.ts) with its flag
 * and default, and every message the agent logs, are documented; the other docs link to it.
 */
const root = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');
const doc = read('docs/SATELLITE.md');

describe('docs/SATELLITE.md', () => {
  it('documents every setting: its variable, its flag and its default, in one table row', () => {
    for (const setting of Object.values(agentSettings) as AgentSetting[]) {
      const row = doc.split('\n').find((line) => line.startsWith(`| \`${setting.env}\` |`));
      expect(row, setting.env).toBeDefined();
      expect(row).toContain(setting.flag ? `\`--${setting.flag} ${setting.value}\`` : '(none)');
      if (setting.default !== undefined) expect(row).toContain(`\`${setting.default}\``);
    }
  });

  it('documents every message the agent logs, at its level', () => {
    const sources = readdirSync(new URL('satellite/', root)).filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts'));
    const messages = sources.flatMap((name) => [...read(`satellite/${name}`).matchAll(/log\('(debug|info|warn|error)', '([^']+)'/g)].map((match) => ({ level: match[1]!, msg: match[2]! })));
    expect(messages.length).toBeGreaterThan(10);
    for (const { level, msg } of messages) {
      const row = doc.split('\n').find((line) => line.startsWith(`| ${level} |`) && line.includes(`\`${msg}\``));
      expect(row, `${level} ${msg}`).toBeDefined();
    }
  });

  it('is linked from the README, OPERATIONS and PROTOCOL', () => {
    expect(read('README.md')).toContain('(docs/SATELLITE.md)');
    expect(read('docs/OPERATIONS.md')).toContain('(SATELLITE.md)');
    expect(read('docs/PROTOCOL.md')).toContain('(SATELLITE.md)');
  });
});
