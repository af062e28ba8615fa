import type { ASTNode } from '@marcbachmann/cel-js';
import { serialize } from '@marcbachmann/cel-js';
import { compileExpression, evaluateExpression, visitAst, type CompiledExpression } from './expression.ts';
import { compileTemplate, hasTemplate } from './template.ts';

/**
 * Kinds of entity an expression can read as `state.<kind>.<id>`: the hosted entity kinds plus
 * maintenance windows.
 */
export const stateEntityKinds = ['system', 'group', 'incident', 'health', 'satellite', 'check', 'maintenance'] as const;
export type StateEntityKind = (typeof stateEntityKinds)[number];

export interface EntityReference {
  kind: StateEntityKind;
  id: string;
}

const STATE_VARIABLE = 'state';

/**
 * The entities `source` reads through `state.<kind>.<id>`, `state.<kind>["<id>"]` or
 * `state.<kind>[<expr>]` (expr evaluated against `scope`, e.g. `state.incident[artifacts.incident.id]`),
 * each once, in order of appearance. `source` is an expression or, when it holds `{{`, a template.
 * Never throws: a source that does not compile, an unknown kind, an id expression that fails or
 * is not a string or integer, or `state` used any other way contribute nothing.
 */
export function entityReferences(source: string, scope: Record<string, unknown>): EntityReference[] {
  const expressions = compiledExpressionsOf(source);
  const found = new Map<string, EntityReference>();
  for (const expression of expressions) {
    visitAst(expression.ast, (node) => {
      const reference = referenceAt(node, scope);
      if (reference) found.set(`${reference.kind}\u0000${reference.id}`, reference);
    });
  }
  return [...found.values()];
}

function compiledExpressionsOf(source: string): CompiledExpression[] {
  try {
    if (!hasTemplate(source)) return [compileExpression(source)];
    return compileTemplate(source).segments.flatMap((segment) => ('expression' in segment ? [segment.expression] : []));
  } catch {
    return [];
  }
}

// `node` is the access of an id on `state.<kind>`: `.id`, `.?id`, `[key]` or `[?key]`.
function referenceAt(node: ASTNode, scope: Record<string, unknown>): EntityReference | undefined {
  if (node.op === '.' || node.op === '.?') {
    const kind = kindAccessed(node.args[0]);
    return kind ? { kind, id: node.args[1] } : undefined;
  }
  if (node.op === '[]' || node.op === '[?]') {
    const kind = kindAccessed(node.args[0]);
    if (!kind) return undefined;
    const id = idFromKey(node.args[1], scope);
    return id === undefined ? undefined : { kind, id };
  }
  return undefined;
}

// The kind when `node` is `state.<kind>` or `state["<kind>"]` for a known kind.
function kindAccessed(node: ASTNode): StateEntityKind | undefined {
  let target: ASTNode;
  let name: unknown;
  if (node.op === '.' || node.op === '.?') [target, name] = node.args;
  else if ((node.op === '[]' || node.op === '[?]') && node.args[1].op === 'value') [target, name] = [node.args[0], node.args[1].args];
  else return undefined;
  if (target.op !== 'id' || target.args !== STATE_VARIABLE) return undefined;
  return typeof name === 'string' && (stateEntityKinds as readonly string[]).includes(name) ? (name as StateEntityKind) : undefined;
}

function idFromKey(key: ASTNode, scope: Record<string, unknown>): string | undefined {
  let value: unknown;
  if (key.op === 'value') value = key.args;
  else {
    try {
      value = evaluateExpression(serialize(key), scope);
    } catch {
      return undefined;
    }
  }
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'bigint' || (typeof value === 'number' && Number.isInteger(value))) return String(value);
  return undefined;
}
