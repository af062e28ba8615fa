/** The parts of an OpenAPI 3.1 document the reference page reads. */
export interface Schema {
  $ref?: string;
  type?: string | string[];
  description?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  additionalProperties?: boolean | Schema;
  format?: string;
  minimum?: number;
  maximum?: number;
  default?: unknown;
  [key: string]: unknown;
}

export interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  description?: string;
  schema?: Schema;
}

export interface Operation {
  summary?: string;
  description?: string;
  operationId?: string;
  tags?: string[];
  parameters?: Parameter[];
  requestBody?: { description?: string; required?: boolean; content?: Record<string, { schema?: Schema }> };
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: Schema }> }>;
  security?: Array<Record<string, string[]>>;
  [extension: `x-${string}`]: unknown;
}

export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; description?: string };
  paths: Record<string, Record<string, Operation | Parameter[] | string>>;
  components?: { schemas?: Record<string, Schema> };
}

export const methods = ['get', 'post', 'put', 'patch', 'delete'] as const;

/** The role an operation needs, wherever the document says it: an `x-…role` extension, or its security. */
export function roleOf(operation: Operation): string {
  for (const [key, value] of Object.entries(operation)) if (key.startsWith('x-') && key.toLowerCase().includes('role') && typeof value === 'string') return value;
  if (Array.isArray(operation.security) && operation.security.length === 0) return 'public';
  const scopes = operation.security?.flatMap((requirement) => Object.values(requirement).flat()) ?? [];
  return scopes.length ? scopes.join(', ') : operation.security ? 'token' : 'public';
}

/** Follows `#/components/schemas/X` references (one level at a time, so cycles cannot loop). */
export function resolve(document: OpenApiDocument, schema: Schema): { schema: Schema; name?: string } {
  if (!schema.$ref) return { schema };
  const name = schema.$ref.replace('#/components/schemas/', '');
  return { schema: document.components?.schemas?.[name] ?? {}, name };
}
