/**
 * Public surface of `automations/templates/`: the automation templates shipped with Vigil (one
 * YAML file each in this folder), their parameters, and rendering them into automation documents
 * with values checked by type. Rendering is pure; loading reads this folder.
 */
export { listTemplates, loadTemplate, templateNames } from './shipped-templates.ts';
export { parseTemplate, type AutomationTemplate } from './template-file.ts';
export { renderTemplate, type RenderedTemplate } from './render-template.ts';
export { describeParameter, type ParameterValue, type TemplateParameter } from './template-parameters.ts';
export { TemplateError, type TemplateErrorCode } from './errors.ts';
