import { Resolver } from 'node:dns/promises';
import { parseResolverAddress, type DnsStrategy } from '../../protocol/check-strategy.ts';
import { CheckFailure } from './check-failure.ts';
import { CheckRun, type CheckOutcome } from './check-run.ts';

/**
 * A DNS query (c-ares, node:dns `Resolver`: the servers of /etc/resolv.conf, or `resolver`; one try,
 * `timeoutMs`), its records written as text (`dnsAnswerText`) and compared with
 * `expectedAnswers`. Every failure but the timeout is kind `dns`, with the resolver's code
 * (ENOTFOUND: no such name; ENODATA: no records of that type; ESERVFAIL, EREFUSED, ECONNREFUSED:
 * the server failed or could not be reached). Reports `answers` (joined with `, `), `answerCount`
 * and `resolver` (timings `dnsMs`).
 */
export async function runDnsCheck(strategy: DnsStrategy): Promise<CheckOutcome> {
  const run = new CheckRun(strategy.timeoutMs);
  run.phase = 'dns';
  const resolver = new Resolver({ timeout: strategy.timeoutMs, tries: 1 });
  try {
    if (strategy.resolver) {
      const { host, port } = parseResolverAddress(strategy.resolver)!;
      resolver.setServers([host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`]);
    }
    run.measure('resolver', strategy.resolver ?? resolver.getServers().join(', '));
    const started = performance.now();
    let records: unknown[];
    try {
      records = (await run.race(resolver.resolve(strategy.name, strategy.recordType) as Promise<unknown>)) as unknown[];
    } catch (error) {
      const code = (error as { code?: string }).code;
      // Everything the resolver says is about DNS (its ECONNREFUSED too: the DNS server refused).
      if (code && !(error instanceof CheckFailure)) throw new CheckFailure(code === 'ETIMEOUT' ? 'timeout' : 'dns', (error as Error).message, code);
      throw error;
    } finally {
      run.addTiming('dnsMs', performance.now() - started);
    }
    const answers = (Array.isArray(records) ? records : [records]).map((record) => dnsAnswerText(strategy.recordType, record));
    run.measure('answerCount', answers.length);
    run.measure('answers', answers.join(', '));
    if (answers.length === 0) throw new CheckFailure('dns', `no ${strategy.recordType} records for ${strategy.name}`, 'ENODATA');
    const mismatch = strategy.expectedAnswers && compareAnswers(strategy, answers);
    if (mismatch) throw new CheckFailure('dns', mismatch, 'UNEXPECTED_ANSWER');
    return run.up();
  } catch (error) {
    return run.down(error);
  } finally {
    resolver.cancel();
  }
}

/** Names lower-case without their final dot; IPv6 addresses in their short form; TXT as is. */
function normalized(recordType: DnsStrategy['recordType'], answer: string): string {
  if (recordType === 'TXT') return answer;
  if (recordType === 'AAAA') {
    try {
      return new URL(`http://[${answer}]/`).hostname.slice(1, -1);
    } catch {
      return answer.toLowerCase();
    }
  }
  return answer.toLowerCase().replace(/\.(?=\s|$)/g, '');
}

/** A sentence saying how `answers` differ from `expectedAnswers`, or '' when they match. */
function compareAnswers(strategy: DnsStrategy, answers: string[]): string {
  const got = new Set(answers.map((answer) => normalized(strategy.recordType, answer)));
  const expected = new Set(strategy.expectedAnswers!.map((answer) => normalized(strategy.recordType, answer)));
  const missing = [...expected].filter((answer) => !got.has(answer));
  const extra = strategy.match === 'exact' ? [...got].filter((answer) => !expected.has(answer)) : [];
  if (missing.length === 0 && extra.length === 0) return '';
  const parts = [missing.length ? `missing ${missing.join(', ')}` : '', extra.length ? `unexpected ${extra.join(', ')}` : ''].filter(Boolean);
  return `${strategy.recordType} ${strategy.name}: ${parts.join('; ')} (got ${answers.join(', ') || 'nothing'})`;
}

/**
 * One record as text, the form `expectedAnswers` uses: A/AAAA the address; CNAME, NS, PTR the name;
 * MX `priority exchange`; TXT its strings joined; SRV `priority weight port target`; SOA
 * `nsname hostmaster serial refresh retry expire minttl`; CAA `flags tag value`.
 */
export function dnsAnswerText(recordType: DnsStrategy['recordType'], record: unknown): string {
  const value = record as Record<string, unknown>;
  switch (recordType) {
    case 'MX':
      return `${String(value.priority)} ${String(value.exchange)}`;
    case 'TXT':
      return (record as string[]).join('');
    case 'SRV':
      return `${String(value.priority)} ${String(value.weight)} ${String(value.port)} ${String(value.name)}`;
    case 'SOA':
      return [value.nsname, value.hostmaster, value.serial, value.refresh, value.retry, value.expire, value.minttl].map(String).join(' ');
    case 'CAA': {
      const tag = Object.keys(value).find((key) => key !== 'critical') ?? '';
      return `${String(value.critical ?? 0)} ${tag} ${String(value[tag] ?? '')}`;
    }
    default:
      return String(record);
  }
}
