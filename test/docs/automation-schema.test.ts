import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { automationJsonSchema } from '../../automations/definition/index.ts';

/**
 * docs/automation.schema.json is the published JSON Schema of automation documents (for editors:
 * `# yaml-language-server: $schema=…`). It must be exactly what `vigil automation schema` prints;
 * after a change of the definition schema, regenerate it with
 * `node bin/vigil.js automation schema > docs/automation.schema.json`.
 */
describe('docs/automation.schema.json', () => {
  it('equals the generated schema (vigil automation schema)', () => {
    const committed = readFileSync(new URL('../../docs/automation.schema.json', import.meta.url), 'utf8');
    expect(committed, 'stale: run `node bin/vigil.js automation schema > docs/automation.schema.json`').toBe(`${JSON.stringify(automationJsonSchema(), null, 2)}\n`);
  });
});
