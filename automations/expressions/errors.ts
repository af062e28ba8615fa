import { truncateText } from '../../protocol/storable-text.ts';

/** Where in an expression's source an error points: character offsets, end exclusive. */
export interface SourceSpan {
  start: number;
  end: number;
}

export type ExpressionErrorCode = 'EXPRESSION_SYNTAX' | 'EXPRESSION_TYPE' | 'EXPRESSION_EVALUATION' | 'TEMPLATE_SYNTAX';

/**
 * An expression or template that does not compile, or failed while evaluating. `source` is the
 * expression (or template text) as the user wrote it; `summary` is the message without the source
 * excerpt; `span` points into `source` when known.
 */
export class ExpressionError extends Error {
  override readonly name = 'ExpressionError';

  /** Prefer the factories below; the constructor is public so tests can match the class. */
  constructor(
    readonly code: ExpressionErrorCode,
    readonly source: string,
    readonly summary: string,
    readonly span: SourceSpan | undefined,
    cause?: unknown,
  ) {
    super(`${summary}${span ? ` at position ${span.start}` : ''} in expression ${quote(source)}`, { cause });
  }

  static syntax(source: string, summary: string, span?: SourceSpan, cause?: unknown): ExpressionError {
    return new ExpressionError('EXPRESSION_SYNTAX', source, `syntax error: ${summary}`, span, cause);
  }

  static type(source: string, summary: string, span?: SourceSpan, cause?: unknown): ExpressionError {
    return new ExpressionError('EXPRESSION_TYPE', source, `type error: ${summary}`, span, cause);
  }

  static evaluation(source: string, summary: string, span?: SourceSpan, cause?: unknown): ExpressionError {
    return new ExpressionError('EXPRESSION_EVALUATION', source, `evaluation failed: ${summary}`, span, cause);
  }

  /** A template whose `{{ … }}` / `${{ … }}` markers are malformed (the expression inside may be fine). */
  static template(text: string, summary: string, span?: SourceSpan): ExpressionError {
    return new ExpressionError('TEMPLATE_SYNTAX', text, `template error: ${summary}`, span);
  }

  /** The same error, reported against the template that holds the expression. */
  inTemplate(text: string, offset: number): ExpressionError {
    const span = this.span ? { start: this.span.start + offset, end: this.span.end + offset } : undefined;
    return new ExpressionError(this.code, text, this.summary, span, this.cause);
  }
}

/** A `${{ secrets.NAME }}` reference whose name the secret store does not know. */
export class MissingSecretError extends Error {
  override readonly name = 'MissingSecretError';
  readonly code = 'SECRET_MISSING';

  constructor(readonly secretName: string) {
    super(`secret "${secretName}" is not defined`);
  }
}

/** A duration that is not a non-negative number of milliseconds or a string like "1h30m". */
export class DurationError extends Error {
  override readonly name = 'DurationError';
  readonly code = 'DURATION_INVALID';

  constructor(readonly input: unknown, reason: string) {
    super(`invalid duration ${typeof input === 'string' ? JSON.stringify(input) : String(input)}: ${reason}`);
  }
}

// Long sources are cut so one error does not flood a log line.
function quote(source: string): string {
  return JSON.stringify(source.length > 200 ? `${truncateText(source, 200)}…` : source);
}
