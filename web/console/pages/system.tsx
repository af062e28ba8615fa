import { useMemo } from 'preact/hooks';
import { formatDuration, formatPercent } from '../../shared/format.ts';
import { StepChart } from '../chart.tsx';
import { Badge, IncidentList, Loaded, Time } from '../components.tsx';
import { CheckHistory } from './check-history.tsx';
import { healthHistory, listIncidents, systemDetail } from '../queries.ts';
import { href } from '../router.ts';
import type { HealthTransition } from '../types.ts';
import { useResource } from '../use-resource.ts';

const statusNames = ['healthy', 'degraded', 'unhealthy'];

/** Share of the time since the first transition that the system was healthy (from its health history). */
function healthyRatio(transitions: HealthTransition[], now: number): number | null {
  const points = transitions.filter((transition) => transition.next);
  if (points.length === 0) return null;
  let healthy = 0;
  for (let index = 0; index < points.length; index++) {
    const from = points[index]!.at;
    const to = points[index + 1]?.at ?? now;
    if (points[index]!.next!.status === 'healthy') healthy += to - from;
  }
  const total = now - points[0]!.at;
  return total > 0 ? healthy / total : null;
}

/** One system: its checks and their latest results, its health over time, its incidents and maintenance. */
export function SystemPage({ id }: { id: string }) {
  const detail = useResource(() => systemDetail(id), [id], ['system', 'health', 'incident', 'maintenance']);
  const history = useResource(() => healthHistory(id), [id], ['health']);
  const incidents = useResource(() => listIncidents({ system: id }), [id], ['incident']);
  const series = useMemo(() => {
    const points = (history.data ?? []).filter((transition) => transition.next);
    if (points.length === 0) return null;
    // The last status holds until now: repeat it at the current time so the step reaches the right edge.
    const times = [...points.map((point) => point.at), Date.now()];
    const values = [...points.map((point) => statusNames.indexOf(point.next!.status)), statusNames.indexOf(points.at(-1)!.next!.status)];
    return { times, values, label: 'health', valueNames: statusNames };
  }, [history.data]);

  return (
    <Loaded resource={detail}>
      {(data) =>
        data === null ? (
          <p role="alert">No system with id “{id}”.</p>
        ) : (
          <>
            <h1>
              {data.system.name} <Badge status={data.system.health?.status ?? 'unknown'} />
            </h1>
            {data.system.description && <p>{data.system.description}</p>}
            <p class="muted">
              id {data.system.id} · {data.system.health ? `${data.system.health.healthyChecks} of ${data.system.health.totalChecks} checks healthy` : 'no check results yet'}
            </p>

            <section aria-labelledby="checks-heading">
              <h2 id="checks-heading">Checks</h2>
              {data.checkDefinitions.some((check) => !data.checks.some((result) => result.checkId === check.id)) && (
                <p class="muted">
                  No results yet from:{' '}
                  {data.checkDefinitions
                    .filter((check) => !data.checks.some((result) => result.checkId === check.id))
                    .map((check) => `${check.id} (every ${formatDuration(check.intervalMs)}, ${check.satelliteIds.length ? `on ${check.satelliteIds.join(', ')}` : 'no satellite assigned'})`)
                    .join('; ')}
                </p>
              )}
              {data.checks.length === 0 ? (
                <p class="muted">No check results yet.</p>
              ) : (
                <div class="table-wrap">
                  <table>
                    <thead>
                      <tr>
                        <th scope="col">Check</th>
                        <th scope="col">Source</th>
                        <th scope="col">Status</th>
                        <th scope="col">In a row</th>
                        <th scope="col">Last result</th>
                      </tr>
                    </thead>
                    <tbody>
                      {data.checks.map((check) => (
                        <tr key={`${check.checkId}@${check.source}`} data-check={check.checkId}>
                          <th scope="row">{check.checkId}</th>
                          <td>{check.source}</td>
                          <td>
                            <Badge status={check.status} />
                          </td>
                          <td>{check.consecutiveFailures > 0 ? `${check.consecutiveFailures} failed` : `${check.consecutiveSuccesses} passed`}</td>
                          <td>
                            <Time at={check.lastResultAt} />
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
            </section>

            <CheckHistory systemId={data.system.id} checks={data.checkDefinitions} />

            <section aria-labelledby="health-heading">
              <h2 id="health-heading">Health over time</h2>
              <Loaded resource={history}>
                {(transitions) =>
                  series ? (
                    <>
                      <StepChart series={series} />
                      <p>
                        Healthy {formatPercent(healthyRatio(transitions, Date.now()))} of the time since{' '}
                        <Time at={transitions.find((transition) => transition.next)?.at} /> ({transitions.length} health changes).
                      </p>
                      <details>
                        <summary>Health changes as a table</summary>
                        <div class="table-wrap">
                          <table>
                            <thead>
                              <tr>
                                <th scope="col">When</th>
                                <th scope="col">Status</th>
                                <th scope="col">Healthy checks</th>
                                <th scope="col">Held for</th>
                              </tr>
                            </thead>
                            <tbody>
                              {transitions
                                .filter((transition) => transition.next)
                                .map((transition, index, all) => (
                                  <tr key={transition.version}>
                                    <td>
                                      <Time at={transition.at} />
                                    </td>
                                    <td>
                                      <Badge status={transition.next!.status} />
                                    </td>
                                    <td>
                                      {transition.next!.healthyChecks}/{transition.next!.totalChecks}
                                    </td>
                                    <td>{formatDuration((all[index + 1]?.at ?? Date.now()) - transition.at)}</td>
                                  </tr>
                                ))
                                .reverse()}
                            </tbody>
                          </table>
                        </div>
                      </details>
                    </>
                  ) : (
                    <p class="muted">No health history yet.</p>
                  )
                }
              </Loaded>
            </section>

            <section aria-labelledby="system-incidents-heading">
              <h2 id="system-incidents-heading">Incidents</h2>
              <Loaded resource={incidents}>
                {(items) => <IncidentList items={items} empty="No incidents." />}
              </Loaded>
            </section>

            {data.maintenance.length > 0 && (
              <section aria-labelledby="system-maintenance-heading">
                <h2 id="system-maintenance-heading">Maintenance</h2>
                <ul class="plain-list">
                  {data.maintenance.map((item) => (
                    <li key={item.id}>
                      {item.title} <Badge status={item.status} />{' '}
                      {item.currentWindow ? (
                        <span class="muted">
                          until <Time at={item.currentWindow.endsAt} />
                        </span>
                      ) : item.nextWindow ? (
                        <span class="muted">
                          starts <Time at={item.nextWindow.startsAt} />
                        </span>
                      ) : null}
                    </li>
                  ))}
                </ul>
              </section>
            )}
          </>
        )
      }
    </Loaded>
  );
}
