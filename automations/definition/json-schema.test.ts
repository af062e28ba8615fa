import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { automationJsonSchema } from './json-schema.ts';
import { parseAutomationDocument } from './parse-definition.ts';

type JsonSchema = Record<string, unknown>;

// Keywords of JSON Schema 2020-12 (core, applicator, validation, meta-data) that zod may emit.
const KNOWN_KEYWORDS = new Set([
  '$schema', '$id', '$ref', '$defs', 'title', 'description', 'default', 'type', 'enum', 'const', 'properties', 'required',
  'additionalProperties', 'propertyNames', 'items', 'prefixItems', 'anyOf', 'oneOf', 'allOf', 'not', 'pattern', 'format',
  'minLength', 'maxLength', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minItems', 'maxItems', 'uniqueItems',
]);
const TYPES = new Set(['object', 'array', 'string', 'number', 'integer', 'boolean', 'null']);

/** Every subschema of `schema` with its JSON pointer. */
function subschemas(schema: unknown, pointer = '#'): Array<{ pointer: string; schema: JsonSchema }> {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return [];
  const node = schema as JsonSchema;
  const found = [{ pointer, schema: node }];
  for (const key of ['properties', '$defs'] as const) {
    for (const [name, child] of Object.entries((node[key] as JsonSchema | undefined) ?? {})) found.push(...subschemas(child, `${pointer}/${key}/${name}`));
  }
  for (const key of ['anyOf', 'oneOf', 'allOf', 'prefixItems'] as const) {
    ((node[key] as unknown[] | undefined) ?? []).forEach((child, index) => found.push(...subschemas(child, `${pointer}/${key}/${index}`)));
  }
  for (const key of ['items', 'additionalProperties', 'not', 'propertyNames'] as const) found.push(...subschemas(node[key], `${pointer}/${key}`));
  return found;
}

function resolve(root: JsonSchema, ref: string): JsonSchema | undefined {
  let current: unknown = root;
  for (const part of ref.replace(/^#\//, '').split('/')) current = (current as JsonSchema | undefined)?.[part];
  return current as JsonSchema | undefined;
}

describe('automationJsonSchema', () => {
  const schema = automationJsonSchema();
  const all = subschemas(schema);

  it('is a draft 2020-12 schema that survives JSON serialisation', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(JSON.parse(JSON.stringify(schema))).toEqual(schema);
  });

  it('uses only known keywords and types', () => {
    for (const { pointer, schema: node } of all) {
      for (const key of Object.keys(node)) expect(KNOWN_KEYWORDS.has(key), `${pointer}: keyword ${key}`).toBe(true);
      const types = node.type === undefined ? [] : Array.isArray(node.type) ? node.type : [node.type];
      for (const type of types) expect(TYPES.has(type as string), `${pointer}: type ${String(type)}`).toBe(true);
      if (node.pattern !== undefined) expect(() => new RegExp(node.pattern as string, 'u')).not.toThrow();
    }
  });

  it('names the recursive parts in $defs and every $ref resolves', () => {
    const defs = schema.$defs as JsonSchema;
    expect(Object.keys(defs)).toEqual(expect.arrayContaining(['Automation', 'Trigger', 'Step', 'Condition', 'ConditionObject', 'Duration']));
    const refs = all.map(({ schema: node }) => node.$ref).filter((ref): ref is string => typeof ref === 'string');
    expect(refs).toContain('#/$defs/Step');
    expect(refs).toContain('#/$defs/Condition');
    for (const ref of refs) expect(resolve(schema, ref), ref).toBeDefined();
  });

  it('describes the input side: durations as strings or numbers, conditions as strings or objects, defaults optional', () => {
    const automation = resolve(schema, '#/$defs/Automation')!;
    expect(automation.required).toEqual(['id', 'name', 'triggers', 'actions']);
    expect(automation.additionalProperties).toBe(false);
    const duration = resolve(schema, '#/$defs/Duration')!;
    expect((duration.anyOf as JsonSchema[]).map((option) => option.type)).toEqual(['string', 'integer']);
    const condition = resolve(schema, '#/$defs/Condition')!;
    expect(JSON.stringify(condition.anyOf)).toContain('"type":"string"');
  });

  it('has every key of a realistic automation', () => {
    const [document] = parseAutomationDocument(readFileSync(new URL('./fixtures/degraded-to-incident.yaml', import.meta.url), 'utf8'));
    const propertyNames = new Set(all.flatMap(({ schema: node }) => Object.keys((node.properties as JsonSchema | undefined) ?? {})));
    const keysOf = (value: unknown, inConfig = false): string[] => {
      if (Array.isArray(value)) return value.flatMap((item) => keysOf(item, inConfig));
      if (typeof value !== 'object' || value === null) return [];
      // Action configs are free-form here: their schemas belong to the action providers.
      return Object.entries(value).flatMap(([key, item]) => [...(inConfig ? [] : [key]), ...keysOf(item, inConfig || key === 'config')]);
    };
    const keys = new Set(keysOf(document));
    expect(keys.size).toBeGreaterThan(20);
    for (const key of keys) expect(propertyNames.has(key), key).toBe(true);
  });

  it('is generated fresh each call (callers may modify it)', () => {
    expect(automationJsonSchema()).not.toBe(schema);
    expect(automationJsonSchema()).toEqual(schema);
  });
});
