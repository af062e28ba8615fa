import type { Command } from 'commander';
import type { z } from 'zod';
import { UsageError } from './exit.ts';

/**
 * A command's own arguments and options, checked with zod where they cross into the command. A
 * value of the wrong shape is a `UsageError` (exit code 2) that names the option or argument the
 * way the parser does: `option '--timeout <duration>' argument '5x' is invalid: expected …`.
 */
export class CommandLine {
  constructor(private readonly command: Command) {}

  /** The node's JSON config file: `--config`, else `VIGIL_CONFIG`. */
  get configFile(): string | undefined {
    return (this.command.optsWithGlobals() as { config?: string }).config ?? (process.env.VIGIL_CONFIG || undefined);
  }

  /** The options of this command (not the global ones), parsed by `schema`. */
  options<S extends z.ZodType>(schema: S): z.output<S> {
    const values = this.command.opts();
    const parsed = schema.safeParse(values);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0]!;
    const key = String(issue.path[0] ?? '');
    const option = this.command.options.find((candidate) => candidate.attributeName() === key);
    const flags = option?.flags ?? `--${key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;
    const given = values[key];
    throw new UsageError(given === undefined ? `option '${flags}': ${issue.message}` : `option '${flags}' argument ${JSON.stringify(given)} is invalid: ${issue.message}`);
  }

  /** The positional argument at `index`, parsed by `schema`. */
  argument<S extends z.ZodType>(index: number, schema: S): z.output<S> {
    const given = this.command.processedArgs[index] as unknown;
    const parsed = schema.safeParse(given);
    if (parsed.success) return parsed.data;
    const name = this.command.registeredArguments[index]?.name() ?? String(index + 1);
    throw new UsageError(`argument '${name}' ${JSON.stringify(given)} is invalid: ${parsed.error.issues[0]!.message}`);
  }
}
