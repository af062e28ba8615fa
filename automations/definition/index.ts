/**
 * Public surface of `automations/definition/`: the automation document (zod schema, types,
 * JSON Schema), reading YAML/JSON files and save-time validation against the catalogs. Pure.
 */
export * from './automation-definition.ts';
export { automationJsonSchema } from './json-schema.ts';
export { parseAutomationDocument, validateAutomation, type AutomationValidation } from './parse-definition.ts';
export { resolveActionVersion, type AutomationCatalog, type CatalogAction } from './catalog.ts';
export { DefinitionParseError } from './errors.ts';
export { walkSteps, walkConditions, walkCondition, childStepLists, conditionListsOf } from './definition-walk.ts';
export type { DefinitionError } from './validation-issues.ts';
export type { StepCommon } from './definition-fields.ts';
export { automationIdSchema } from './definition-fields.ts';
