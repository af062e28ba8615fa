import { Environment, EvaluationError, ParseError, TypeError as CelTypeError } from '@marcbachmann/cel-js';
import type { ASTNode, ParseResult } from '@marcbachmann/cel-js';
import { fromCelValue, toCelValue } from './cel-values.ts';
import { ExpressionError, type SourceSpan } from './errors.ts';

/** Longest expression source accepted; anything longer is almost certainly a mistake. */
export const MAX_EXPRESSION_LENGTH = 10_000;
const CACHE_LIMIT = 2_000;
const SECRETS_VARIABLE = 'secrets';

/** A parsed and type-checked CEL expression; reusable across evaluations and runs. */
export interface CompiledExpression {
  readonly source: string;
  readonly ast: ASTNode;
  /** Top-level names the expression reads (only these are taken from the scope). */
  readonly variables: ReadonlySet<string>;
  readonly program: ParseResult;
}

// One shared environment: creating one is costly. Scope variables are dynamic (`dyn`), mixed
// list/map literals are allowed (JSON has them), and `a.?b` / `a[?k]` optional access is on.
const environment = new Environment({
  unlistedVariablesAreDyn: true,
  homogeneousAggregateLiterals: false,
  enableOptionalTypes: true,
});

// Keyed by source; Map order doubles as recency order (a hit is re-inserted at the end).
const cache = new Map<string, CompiledExpression>();

/**
 * Parses and type-checks `source`. Results are cached by source (bounded, least recently used
 * evicted). Throws `ExpressionError` (`EXPRESSION_SYNTAX` or `EXPRESSION_TYPE`) with the position.
 * Type checking treats scope variables as `dyn`, so it only rejects what can never work, such as
 * `1 + "a"` or `1 + 1.0` (CEL does not mix int and double: write `1.0 + 1.0` or `double(x) + 1.0`).
 */
export function compileExpression(source: string): CompiledExpression {
  const cached = cache.get(source);
  if (cached) {
    cache.delete(source);
    cache.set(source, cached);
    return cached;
  }
  const compiled = compileUncached(source);
  cache.set(source, compiled);
  if (cache.size > CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  return compiled;
}

function compileUncached(source: string): CompiledExpression {
  if (source.trim() === '') throw ExpressionError.syntax(source, 'the expression is empty');
  if (source.length > MAX_EXPRESSION_LENGTH) {
    throw ExpressionError.syntax(source, `the expression is longer than ${MAX_EXPRESSION_LENGTH} characters`);
  }
  let program: ParseResult;
  try {
    program = environment.parse(source);
  } catch (error) {
    throw translateCelError(source, error, 'syntax');
  }
  const checked = program.check();
  if (!checked.valid) throw translateCelError(source, checked.error, 'type');
  const variables = identifiersOf(program.ast);
  if (variables.has(SECRETS_VARIABLE)) {
    // Secrets never enter a scope (they are substituted into an action's config as it starts).
    throw ExpressionError.type(source, 'secrets cannot be read by expressions; reference them as ${{ secrets.NAME }} in an action\'s config');
  }
  return { source, ast: program.ast, variables, program };
}

/**
 * Evaluates `expression` (compiled, or a source that is compiled first) against `scope`. Scope
 * numbers that are safe integers are CEL ints, other numbers doubles; the result is converted
 * back to plain values (see `fromCelValue`). Reading a missing map key fails ("No such key"):
 * guard with `has(a.b)` or `a.?b.orValue(x)`. Throws `ExpressionError` with the source on any failure.
 */
export function evaluateExpression(expression: CompiledExpression | string, scope: Record<string, unknown>): unknown {
  const compiled = typeof expression === 'string' ? compileExpression(expression) : expression;
  // Null prototype: a variable named `constructor` must be unknown, not Object's constructor.
  const context: Record<string, unknown> = Object.create(null);
  for (const name of compiled.variables) {
    if (!Object.hasOwn(scope, name)) continue;
    const value = toCelValue(scope[name]);
    if (value !== undefined) context[name] = value;
  }
  let result: unknown;
  try {
    result = compiled.program(context);
  } catch (error) {
    throw translateCelError(compiled.source, error, 'evaluation');
  }
  if (result instanceof Promise) {
    // No async functions are registered; this guards against a future registration slipping in.
    throw ExpressionError.evaluation(compiled.source, 'asynchronous results are not supported');
  }
  return fromCelValue(result);
}

function translateCelError(source: string, error: unknown, phase: 'syntax' | 'type' | 'evaluation'): ExpressionError {
  if (error instanceof ParseError || error instanceof EvaluationError || error instanceof CelTypeError) {
    const span: SourceSpan | undefined = error.range ? { start: error.range.start, end: error.range.end } : undefined;
    const summary = error.summary || error.message.split('\n')[0] || 'unknown error';
    if (error instanceof ParseError) return ExpressionError.syntax(source, summary, span, error);
    if (error instanceof CelTypeError && phase !== 'evaluation') return ExpressionError.type(source, summary, span, error);
    return ExpressionError.evaluation(source, summary, span, error);
  }
  const message = error instanceof Error ? error.message : String(error);
  if (phase === 'evaluation') return ExpressionError.evaluation(source, message, undefined, error);
  return phase === 'syntax' ? ExpressionError.syntax(source, message, undefined, error) : ExpressionError.type(source, message, undefined, error);
}

function identifiersOf(ast: ASTNode): Set<string> {
  const names = new Set<string>();
  visitAst(ast, (node) => {
    if (node.op === 'id') names.add(node.args);
  });
  return names;
}

/** Calls `visit` for `node` and every node below it (depth first, parents before children). */
export function visitAst(node: ASTNode, visit: (node: ASTNode) => void): void {
  visit(node);
  for (const child of childrenOf(node)) visitAst(child, visit);
}

function childrenOf(node: ASTNode): ASTNode[] {
  switch (node.op) {
    case 'value':
    case 'id':
      return [];
    case '.':
    case '.?':
      return [node.args[0]];
    case 'call':
      return node.args[1];
    case 'rcall':
      return [node.args[1], ...node.args[2]];
    case 'list':
      return node.args;
    case 'map':
      return node.args.flat();
    case '!_':
    case '-_':
      return [node.args];
    default:
      // Binary operators, `[]`, `[?]`, `&&`, `||` and `?:`: all operands are nodes.
      return (node.args as ASTNode[]).filter(isAstNode);
  }
}

function isAstNode(value: unknown): value is ASTNode {
  return typeof value === 'object' && value !== null && 'op' in value;
}
