import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { checkEventSchema, entityIdSchema, groupEventSchema, maintenanceEventSchema, satelliteEventSchema, storableInput, systemEventSchema } from '../machines/index.ts';

/** The fields of a kind's create (or register) event, without `type`, plus the entity id. */
function declared<S extends z.ZodRawShape & { type: z.ZodLiteral<string> }>(createEvent: z.ZodObject<S>, type: string) {
  if (createEvent.shape.type.value !== type) throw new Error(`expected the "${type}" event, got "${createEvent.shape.type.value}"`);
  return createEvent.omit({ type: true } as { type: true } & Record<Exclude<"type", keyof S>, never>).extend({ id: entityIdSchema });
}

/** A satellite in a setup file; its token, if given, comes from an environment variable, never the file. */
const satelliteEntrySchema = declared(satelliteEventSchema.options[0], 'register').extend({
  /** Name of an environment variable holding the satellite's token (`<id>.<secret>`) to install. */
  tokenEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name').optional(),
});

const uniqueIds = (entries: Array<{ id: string }>, context: z.RefinementCtx) => {
  const seen = new Set<string>();
  entries.forEach((entry, index) => {
    if (seen.has(entry.id)) context.addIssue({ code: 'custom', message: `id "${entry.id}" is declared twice`, path: [index, 'id'] });
    seen.add(entry.id);
  });
};

/**
 * A declarative setup: the groups, systems, satellites, checks and maintenances a cluster should have. Applying
 * it creates what is missing and updates what differs (an entity equal to its declaration is not
 * touched); entities not in the file are left alone. Fields are those of each kind's create event.
 * Text PostgreSQL cannot store (NUL, unpaired surrogates, anywhere in the file) and nesting deeper
 * than 64 levels are refused before anything else, naming where they are.
 */
export const setupFileSchema = storableInput(
  z
    .object({
      groups: z.array(declared(groupEventSchema.options[0], 'create')).default([]).superRefine(uniqueIds),
      systems: z.array(declared(systemEventSchema.options[0], 'create')).default([]).superRefine(uniqueIds),
      satellites: z.array(satelliteEntrySchema).default([]).superRefine(uniqueIds),
      checks: z.array(declared(checkEventSchema.options[0], 'create')).default([]).superRefine(uniqueIds),
      /** Schedule times are epoch ms, as in the `create` event. */
      maintenances: z.array(declared(maintenanceEventSchema.options[0], 'create')).default([]).superRefine(uniqueIds),
    })
    .strict(),
);
export type SetupFile = z.output<typeof setupFileSchema>;

export class SetupFileError extends Error {
  constructor(path: string, detail: string) {
    super(`setup file ${path}: ${detail}`);
    this.name = 'SetupFileError';
  }
}

/** Reads and validates a setup file (YAML, or JSON, which is YAML too). */
export function readSetupFile(path: string): SetupFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new SetupFileError(path, (error as Error).message);
  }
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    throw new SetupFileError(path, `not valid YAML or JSON: ${(error as Error).message}`);
  }
  const parsed = setupFileSchema.safeParse(document ?? {});
  if (!parsed.success) {
    throw new SetupFileError(path, parsed.error.issues.map((issue) => `${issue.path.join('.') || '(document)'}: ${issue.message}`).join('; '));
  }
  return parsed.data;
}
