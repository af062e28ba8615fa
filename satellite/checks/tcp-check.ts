import type { TcpStrategy } from '../../protocol/check-strategy.ts';
import { CheckRun, type CheckOutcome } from './check-run.ts';
import { openTcp } from './connection.ts';

/** A TCP connect to `host:port`, closed at once: up when it opens within `timeoutMs` (timings `dnsMs`, `connectMs`). */
export async function runTcpCheck(strategy: TcpStrategy): Promise<CheckOutcome> {
  const run = new CheckRun(strategy.timeoutMs);
  try {
    await openTcp(run, strategy.host, strategy.port);
    return run.up();
  } catch (error) {
    return run.down(error);
  }
}
