import { isPlainObject } from './cel-values.ts';
import { ExpressionError } from './errors.ts';
import { compileExpression, evaluateExpression, type CompiledExpression } from './expression.ts';
import { atPath, formatPath, type PathSegment } from './json-path.ts';
import { isSecretReference } from './secrets.ts';

/**
 * Templates: strings holding `{{ expr }}` (CEL, see expression.ts). `${{ secrets.NAME }}` is a
 * secret reference, not a template: rendering leaves it as written, and secrets are resolved
 * last, just before an action runs (secrets.ts); `${{ x }}` for anything but `secrets.…` is a
 * "$" followed by a template. There is no escape for a literal `{{`; write `{{ "{{" }}` instead.
 */

/** One piece of a template: literal text, or an expression whose value is inserted. */
export type TemplateSegment = { text: string } | { expression: CompiledExpression; offset: number };

export interface CompiledTemplate {
  readonly text: string;
  readonly segments: readonly TemplateSegment[];
  /** Set when the whole (trimmed) text is one `{{ expr }}`: rendering returns its typed value. */
  readonly whole: CompiledExpression | null;
}

/** True when `text` holds `{{` (a template or a secret reference), so it is not a plain literal. */
export function hasTemplate(text: string): boolean {
  return text.includes('{{');
}

/**
 * Splits `text` into literal text and compiled expressions. Throws `ExpressionError`: an
 * unterminated `{{`, an empty `{{ }}`, a `${{ … }}` that is not `${{ secrets.NAME }}`, or an
 * expression that does not compile (position relative to `text`).
 */
export function compileTemplate(text: string): CompiledTemplate {
  const segments: TemplateSegment[] = [];
  let literal = '';
  let index = 0;
  while (index < text.length) {
    const open = text.indexOf('{{', index);
    if (open === -1) {
      literal += text.slice(index);
      break;
    }
    const close = findClose(text, open + 2);
    if (close === -1) throw ExpressionError.template(text, '"{{" is not closed by "}}"', { start: open, end: text.length });
    // `${{ secrets.… }}` is a secret reference; any other `${{ x }}` is a "$" followed by a template ("costs ${{ price }}").
    const isSecret = open > 0 && text[open - 1] === '$' && /^\s*secrets\b/.test(text.slice(open + 2, close));
    if (isSecret) {
      const reference = text.slice(open - 1, close + 2);
      if (!isSecretReference(reference)) {
        throw ExpressionError.template(text, `${reference} is not a secret reference; write \${{ secrets.NAME }} with NAME like API_TOKEN`, { start: open - 1, end: close + 2 });
      }
      literal += text.slice(index, close + 2);
    } else {
      literal += text.slice(index, open);
      const source = text.slice(open + 2, close);
      if (source.trim() === '') throw ExpressionError.template(text, '"{{ }}" holds no expression', { start: open, end: close + 2 });
      if (literal !== '') segments.push({ text: literal });
      literal = '';
      try {
        segments.push({ expression: compileExpression(source), offset: open + 2 });
      } catch (error) {
        throw error instanceof ExpressionError ? error.inTemplate(text, open + 2) : error;
      }
    }
    index = close + 2;
  }
  if (literal !== '') segments.push({ text: literal });
  return { text, segments, whole: wholeExpression(segments) };
}

/**
 * Renders `text` against `scope`. A text that is exactly one `{{ expr }}` (surrounding whitespace
 * ignored) yields the expression's typed value (number, boolean, object, null…); otherwise values
 * are interpolated (strings as is, null as '', objects and arrays as JSON, dates as ISO strings).
 * Values coming from expressions never carry a usable secret reference (see `defuseSecretReferences`).
 * Throws `ExpressionError` when the template does not compile or an expression fails.
 */
export function renderTemplate(text: string, scope: Record<string, unknown>): unknown {
  if (!hasTemplate(text)) return text;
  const template = compileTemplate(text);
  if (template.whole) return defuseSecretReferences(evaluateInTemplate(template, template.whole, 0, scope));
  let rendered = '';
  for (const segment of template.segments) {
    if ('text' in segment) rendered += segment.text;
    else rendered += defuseSecretReferences(interpolate(evaluateInTemplate(template, segment.expression, segment.offset, scope)));
  }
  return rendered;
}

// The one expression of a template with nothing but whitespace around it, else null.
function wholeExpression(segments: readonly TemplateSegment[]): CompiledExpression | null {
  const expressions = segments.filter((segment) => 'expression' in segment);
  const onlyWhitespaceAround = segments.every((segment) => !('text' in segment) || segment.text.trim() === '');
  const only = expressions[0];
  return expressions.length === 1 && onlyWhitespaceAround && only && 'expression' in only ? only.expression : null;
}

function evaluateInTemplate(template: CompiledTemplate, expression: CompiledExpression, offset: number, scope: Record<string, unknown>): unknown {
  try {
    return evaluateExpression(expression, scope);
  } catch (error) {
    throw error instanceof ExpressionError ? error.inTemplate(template.text, offset) : error;
  }
}

/** Renders every string inside plain objects and arrays (keys are left as written). Other values are returned as is. */
export function renderDeep(value: unknown, scope: Record<string, unknown>): unknown {
  if (typeof value === 'string') return renderTemplate(value, scope);
  if (Array.isArray(value)) return value.map((item) => renderDeep(item, scope));
  if (isPlainObject(value)) {
    const rendered: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      Object.defineProperty(rendered, key, { value: renderDeep(item, scope), enumerable: true, writable: true, configurable: true });
    }
    return rendered;
  }
  return value;
}

export interface TemplateIssue {
  /** Formatted, e.g. `config.headers.Authorization` ('' for the value itself). */
  path: string;
  segments: PathSegment[];
  message: string;
}

/** Every template in `value` (deep) that does not compile, with the JSON path of its string. */
export function templateIssues(value: unknown, path: readonly PathSegment[] = []): TemplateIssue[] {
  const issues: TemplateIssue[] = [];
  collectTemplateIssues(value, [...path], issues);
  return issues;
}

/** Like `templateIssues`, as "path: message" strings (for save-time validation messages). */
export function templateErrors(value: unknown): string[] {
  return templateIssues(value).map((issue) => atPath(issue.path, issue.message));
}

function collectTemplateIssues(value: unknown, path: PathSegment[], issues: TemplateIssue[]): void {
  if (typeof value === 'string') {
    if (!hasTemplate(value)) return;
    try {
      compileTemplate(value);
    } catch (error) {
      if (!(error instanceof ExpressionError)) throw error;
      issues.push({ path: formatPath(path), segments: [...path], message: error.message });
    }
  } else if (Array.isArray(value)) {
    value.forEach((item, index) => collectTemplateIssues(item, [...path, index], issues));
  } else if (isPlainObject(value)) {
    for (const [key, item] of Object.entries(value)) collectTemplateIssues(item, [...path, key], issues);
  }
}

/**
 * Data reaching a template through an expression (a trigger payload, an entity's state) must not
 * be able to name a secret: a check message "${{ secrets.DB_PASSWORD }}" copied into a webhook
 * body would otherwise be resolved and sent out. Such text is turned into "$ {{ secrets.… }}".
 * Secret references therefore work only when written literally in the automation.
 */
export function defuseSecretReferences(value: unknown): unknown {
  if (typeof value === 'string') return value.includes('${{') ? value.replace(/\$\{\{(?=\s*secrets\.)/g, '$ {{') : value;
  if (Array.isArray(value)) return value.map(defuseSecretReferences);
  if (isPlainObject(value)) {
    const defused: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      Object.defineProperty(defused, key, { value: defuseSecretReferences(item), enumerable: true, writable: true, configurable: true });
    }
    return defused;
  }
  return value;
}

function interpolate(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/**
 * Index of the `}}` closing an expression starting at `from`, or -1. Skips string literals and
 * balanced braces, so `{{ {"a": {"b": 1}} }}` and `{{ "}}" }}` work.
 */
function findClose(text: string, from: number): number {
  let depth = 0;
  let index = from;
  while (index < text.length) {
    const char = text[index]!;
    if (char === '"' || char === "'") {
      index = skipStringLiteral(text, index);
      continue;
    }
    if (char === '{') depth += 1;
    else if (char === '}') {
      if (depth === 0 && text[index + 1] === '}') return index;
      if (depth > 0) depth -= 1;
    }
    index += 1;
  }
  return -1;
}

/** Index just past the string literal opening at `start` (or the end of the text when unterminated). */
function skipStringLiteral(text: string, start: number): number {
  const quote = text[start]!;
  const triple = text.startsWith(quote.repeat(3), start);
  const closing = triple ? quote.repeat(3) : quote;
  // A raw string (r"…") has no escapes; the prefix is the character before the quote.
  const raw = start > 0 && /[rR]/.test(text[start - 1]!);
  let index = start + closing.length;
  while (index < text.length) {
    if (!raw && text[index] === '\\') {
      index += 2;
      continue;
    }
    if (text.startsWith(closing, index)) return index + closing.length;
    if (!triple && text[index] === '\n') break;
    index += 1;
  }
  return text.length;
}
