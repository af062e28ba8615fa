import { useMemo, useState } from 'preact/hooks';
import { formatDuration } from '../../shared/format.ts';
import { LineChart } from '../chart.tsx';
import { Badge, Loaded, Time } from '../components.tsx';
import { checkResults, historySeries, historyUptime } from '../queries.ts';
import type { CheckItem, StoredCheckResult, UptimeWindow } from '../types.ts';
import { useResource } from '../use-resource.ts';

const WINDOWS = ['24h', '7d', '30d', '90d'] as const;
const WEEK_MS = 7 * 86_400_000;

/** "99.95%" rounded down (so 99.999 never shows as 100), or "—" without results. */
const percent = (uptime: number | null | undefined) => (uptime === null || uptime === undefined ? '—' : `${Math.floor(uptime * 100) / 100}%`);

function UptimeCells({ windows }: { windows: UptimeWindow[] }) {
  return (
    <>
      {WINDOWS.map((name) => {
        const window = windows.find((candidate) => candidate.window === name);
        return (
          <td key={name} title={window ? `${window.results} results, ${window.failures} failed` : undefined}>
            {percent(window?.uptime)}
          </td>
        );
      })}
    </>
  );
}

/** One row: a check's uptime over the four windows and its 30-day p95 latency. */
function CheckUptimeRow({ check, selected, onSelect }: { check: CheckItem; selected: boolean; onSelect: () => void }) {
  const uptime = useResource(() => historyUptime('check', check.id), [check.id], ['health']);
  const month = uptime.data?.find((window) => window.window === '30d');
  return (
    <tr data-history-check={check.id} aria-selected={selected}>
      <th scope="row">
        <button type="button" class="link-button" aria-pressed={selected} onClick={onSelect}>
          {check.id}
        </button>
      </th>
      {uptime.data ? <UptimeCells windows={uptime.data} /> : WINDOWS.map((name) => <td key={name}>…</td>)}
      <td>{formatDuration(month?.p95)}</td>
    </tr>
  );
}

/** Why a result failed, for people: kind, code and message. */
function cause(result: StoredCheckResult): string {
  if (!result.error) return '';
  const { kind, code, message } = result.error;
  return [kind, code].filter(Boolean).join(' ') + (message ? `: ${message}` : '');
}

function timingText(result: StoredCheckResult): string {
  const timings = result.timings;
  if (!timings) return '';
  const parts = (
    [
      ['DNS', timings.dnsMs],
      ['connect', timings.connectMs],
      ['TLS', timings.tlsMs],
      ['first byte', timings.firstByteMs],
    ] as const
  ).filter(([, ms]) => ms !== undefined);
  return parts.map(([name, ms]) => `${name} ${formatDuration(ms)}`).join(' · ');
}

/** The selected check: hourly latency over the last 7 days and its newest results with their causes. */
function CheckDetail({ checkId }: { checkId: string }) {
  const [failuresOnly, setFailuresOnly] = useState(false);
  const series = useResource(() => historySeries('check', checkId, 'hour', Date.now() - WEEK_MS), [checkId], ['health']);
  const results = useResource(() => checkResults(checkId, { failuresOnly }), [checkId, failuresOnly], ['health']);
  const chart = useMemo(() => {
    const points = series.data ?? [];
    if (points.length === 0) return null;
    return {
      times: points.map((point) => point.at),
      lines: [
        { label: 'p50', values: points.map((point) => point.p50) },
        { label: 'p95', values: points.map((point) => point.p95) },
      ],
      unit: ' ms',
      span: [Date.now() - WEEK_MS, Date.now()] as [number, number],
    };
  }, [series.data]);

  return (
    <div class="check-detail" data-history-detail={checkId}>
      <h3>{checkId}: latency per hour, last 7 days</h3>
      <Loaded resource={series}>{() => (chart ? <LineChart series={chart} /> : <p class="muted">No results stored in the last 7 days.</p>)}</Loaded>
      <h3>Newest results</h3>
      <label>
        <input type="checkbox" checked={failuresOnly} onChange={(event) => setFailuresOnly((event.target as HTMLInputElement).checked)} /> failures only
      </label>
      <Loaded resource={results}>
        {(items) =>
          items.length === 0 ? (
            <p class="muted">{failuresOnly ? 'No failures stored.' : 'No results stored.'}</p>
          ) : (
            <div class="table-wrap">
              <table class="results">
                <thead>
                  <tr>
                    <th scope="col">Ran</th>
                    <th scope="col">From</th>
                    <th scope="col">Result</th>
                    <th scope="col">Latency</th>
                    <th scope="col">Cause or timings</th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((result) => (
                    <tr key={`${result.source}:${result.executedAt}`} data-result-status={result.status}>
                      <td>
                        <Time at={result.executedAt} />
                      </td>
                      <td>{result.source}</td>
                      <td>
                        <Badge status={result.status === 'up' ? 'healthy' : 'unhealthy'} label={result.status} />
                      </td>
                      <td>{formatDuration(result.latencyMs)}</td>
                      <td class="cause">{result.status === 'down' ? cause(result) : timingText(result)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </Loaded>
    </div>
  );
}

/**
 * The stored check history of one system (docs/PROTOCOL.md, "Check history"): the system's and
 * each check's uptime over 24 h, 7, 30 and 90 days from the roll-ups, and for the chosen check its
 * latency chart and newest results with their causes.
 */
export function CheckHistory({ systemId, checks }: { systemId: string; checks: CheckItem[] }) {
  const systemUptime = useResource(() => historyUptime('system', systemId), [systemId], ['health']);
  const [selected, setSelected] = useState<string | null>(checks[0]?.id ?? null);
  return (
    <section aria-labelledby="history-heading">
      <h2 id="history-heading">Uptime and latency</h2>
      <div class="table-wrap">
        <table class="uptime">
          <thead>
            <tr>
              <th scope="col">Check</th>
              {WINDOWS.map((name) => (
                <th scope="col" key={name}>
                  {name}
                </th>
              ))}
              <th scope="col">p95, 30 d</th>
            </tr>
          </thead>
          <tbody>
            <tr data-history-system={systemId}>
              <th scope="row">whole system</th>
              {systemUptime.data ? <UptimeCells windows={systemUptime.data} /> : WINDOWS.map((name) => <td key={name}>…</td>)}
              <td>{formatDuration(systemUptime.data?.find((window) => window.window === '30d')?.p95)}</td>
            </tr>
            {checks.map((check) => (
              <CheckUptimeRow key={check.id} check={check} selected={check.id === selected} onSelect={() => setSelected(check.id)} />
            ))}
          </tbody>
        </table>
      </div>
      <p class="muted">Uptime is the share of results that passed; latency percentiles are of the passing results, within ±5 %.</p>
      {selected && <CheckDetail checkId={selected} />}
    </section>
  );
}
