import type { CheckKind, CheckStrategy } from '../../protocol/check-strategy.ts';
import { CheckRun, type CheckOutcome } from './check-run.ts';
import { runDnsCheck } from './dns-check.ts';
import { runHttpCheck } from './http-check.ts';
import { runTcpCheck } from './tcp-check.ts';
import { runTlsCheck } from './tls-check.ts';

export type { CheckOutcome } from './check-run.ts';

type Runners = { [K in CheckKind]?: (strategy: Extract<CheckStrategy, { kind: K }>) => Promise<CheckOutcome> };

/** The strategies this agent runs; a kind without a runner (one the satellite does not run) fails `internal`. */
const runners: Runners = { http: runHttpCheck, tcp: runTcpCheck, dns: runDnsCheck, tls: runTlsCheck };

/** Runs one check once; never throws (a failure is a `down` outcome with its kind, message and code). */
export async function runCheck(strategy: CheckStrategy): Promise<CheckOutcome> {
  const runner = runners[strategy.kind] as ((strategy: CheckStrategy) => Promise<CheckOutcome>) | undefined;
  try {
    if (!runner) throw new Error(`this agent cannot run checks of kind ${strategy.kind}`);
    return await runner(strategy);
  } catch (error) {
    // A runner that threw is a bug of the agent, not the target's fault.
    return new CheckRun(1_000).down(error instanceof Error ? error : new Error(String(error)));
  }
}
