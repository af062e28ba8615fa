/** A document that is not valid YAML or JSON. `line` and `column` are 1-based when known. */
export class DefinitionParseError extends Error {
  override readonly name = 'DefinitionParseError';
  readonly code = 'DEFINITION_PARSE';

  private constructor(
    message: string,
    readonly line: number | undefined,
    readonly column: number | undefined,
  ) {
    super(message);
  }

  static syntax(format: 'yaml' | 'json', reason: string, line?: number, column?: number): DefinitionParseError {
    const where = line !== undefined ? ` at line ${line}${column !== undefined ? `, column ${column}` : ''}` : '';
    return new DefinitionParseError(`invalid ${format.toUpperCase()}${where}: ${reason}`, line, column);
  }

  static shape(reason: string): DefinitionParseError {
    return new DefinitionParseError(reason, undefined, undefined);
  }
}
