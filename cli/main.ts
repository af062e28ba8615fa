import { CommanderError } from 'commander';
import { ConfigError } from '../node/config-error.ts';
import { debugEnabled, enableDebug, ExitCode, printStack } from './exit.ts';
import { buildProgram } from './program.ts';

// Eager imports stay tiny (commander and these small files): each command's module is imported
// when it runs (cli/program.ts), so `vigil --help` does not load zod, MikroORM, NATS or uWebSockets.js.

/**
 * Entry point of the `vigil` command: parses `argv`, runs the command, returns the exit code.
 * 0 done; 1 the command failed (one line on stderr); 2 bad usage or configuration. Never a stack
 * trace for a user's mistake; `--debug` (or `VIGIL_DEBUG=1`) adds the stack to a failure.
 */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  if (env.VIGIL_DEBUG === '1') enableDebug();
  const outcome = { exitCode: ExitCode.ok as number };
  try {
    await buildProgram(outcome).parseAsync(argv, { from: 'user' });
    return outcome.exitCode;
  } catch (error) {
    // The parser printed its message (and where to read the usage) already. `--help` and
    // `--version` end here too, with exit code 0; a command group without its subcommand prints
    // its help to stderr with commander's exit code 1, which is a usage error here.
    if (error instanceof CommanderError) return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    if (error instanceof ConfigError) {
      if (debugEnabled()) printStack(error);
      else console.error(`vigil: ${error.message}`);
      return ExitCode.usage;
    }
    // Errors a command expects are answered inside it: anything here is unexpected (a bug).
    if (debugEnabled()) printStack(error instanceof Error ? error : new Error(String(error)));
    else console.error(`vigil: ${error instanceof Error ? error.message : String(error)} (run again with --debug for details)`);
    return ExitCode.failed;
  }
}
