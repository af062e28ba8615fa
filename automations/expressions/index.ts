/**
 * Public surface of `automations/expressions/`: sandboxed CEL expressions and `{{ }}` templates
 * over a run's scope, entity references read through `state.<kind>.<id>`, `${{ secrets.NAME }}`
 * references and durations. Pure: no I/O, no clock.
 */
export { ExpressionError, MissingSecretError, DurationError, type ExpressionErrorCode, type SourceSpan } from './errors.ts';
export { compileExpression, evaluateExpression, visitAst, MAX_EXPRESSION_LENGTH, type CompiledExpression } from './expression.ts';
export { toCelValue, fromCelValue, isPlainObject } from './cel-values.ts';
export {
  compileTemplate,
  renderTemplate,
  renderDeep,
  hasTemplate,
  templateIssues,
  templateErrors,
  defuseSecretReferences,
  type CompiledTemplate,
  type TemplateSegment,
  type TemplateIssue,
} from './template.ts';
export { entityReferences, stateEntityKinds, type StateEntityKind, type EntityReference } from './entity-references.ts';
export {
  secretNames,
  resolveSecrets,
  isSecretReference,
  fieldsNotSecretReferences,
  secretFieldMessage,
  SecretMasker,
  SECRET_MASK,
  MIN_MASKED_SECRET_LENGTH,
  type ResolvedSecrets,
} from './secrets.ts';
export { parseDuration, durationSchema, MAX_DURATION_MS, DURATION_PATTERN, DURATION_HINT } from './durations.ts';
export { formatPath, atPath, type PathSegment } from './json-path.ts';
