export type TemplateErrorCode = 'UNKNOWN_TEMPLATE' | 'INVALID_TEMPLATE' | 'UNKNOWN_PARAMETER' | 'INVALID_PARAMETER';

/**
 * A template that cannot be rendered. `UNKNOWN_TEMPLATE` and `INVALID_TEMPLATE` (a shipped file
 * that is malformed: a bug of Vigil, caught by its tests) are about the template;
 * `UNKNOWN_PARAMETER` and `INVALID_PARAMETER` about the values given for it.
 */
export class TemplateError extends Error {
  override readonly name = 'TemplateError';

  private constructor(
    readonly code: TemplateErrorCode,
    message: string,
  ) {
    super(message);
  }

  static unknownTemplate(name: string, known: readonly string[]): TemplateError {
    return new TemplateError('UNKNOWN_TEMPLATE', `no template "${name}" (templates: ${known.join(', ') || 'none'})`);
  }

  static invalidTemplate(name: string, reason: string): TemplateError {
    return new TemplateError('INVALID_TEMPLATE', `template "${name}" is malformed: ${reason}`);
  }

  static unknownParameter(template: string, parameter: string, known: readonly string[]): TemplateError {
    return new TemplateError('UNKNOWN_PARAMETER', `template "${template}" has no parameter "${parameter}" (parameters: ${known.join(', ')})`);
  }

  static invalidParameter(parameter: string, value: string, reason: string): TemplateError {
    return new TemplateError('INVALID_PARAMETER', `parameter ${parameter}=${JSON.stringify(value)}: ${reason}`);
  }
}
