import { formatDuration } from '../../shared/format.ts';
import { Badge, Loaded, Time } from '../components.tsx';
import { listChecks, listSatellites } from '../queries.ts';
import { href } from '../router.ts';
import { useResource } from '../use-resource.ts';

function strategyText(strategy: Record<string, unknown>): string {
  const kind = String(strategy.kind ?? strategy.type ?? '');
  const target = strategy.url ?? (strategy.name ? `${String(strategy.recordType ?? '')} ${String(strategy.name)}` : strategy.host ? `${String(strategy.host)}:${String(strategy.port ?? '')}` : '');
  return `${kind} ${String(target)}`.trim();
}

/** Satellites (where connected, last seen, region, assignments) and checks (which satellites run them). */
export function SatellitesPage() {
  const satellites = useResource(listSatellites, [], ['satellite']);
  const checks = useResource(listChecks, [], ['check']);
  const assigned = (satelliteId: string) => (checks.data ?? []).filter((check) => check.satelliteIds.includes(satelliteId));
  return (
    <>
      <h1>Satellites and checks</h1>
      <h2>Satellites</h2>
      <Loaded resource={satellites}>
        {(items) =>
          items.length === 0 ? (
            <p class="muted">No satellites registered.</p>
          ) : (
            <div class="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Satellite</th>
                    <th scope="col">Region</th>
                    <th scope="col">Status</th>
                    <th scope="col">Connected to</th>
                    <th scope="col">Agent</th>
                    <th scope="col">Last seen</th>
                    <th scope="col">Checks assigned</th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((satellite) => (
                    <tr key={satellite.id} data-satellite={satellite.id}>
                      <th scope="row">
                        {satellite.name} <div class="muted small">{satellite.id}</div>
                      </th>
                      <td>{satellite.region}</td>
                      <td>
                        <Badge status={satellite.status} />
                        {satellite.offlineReason && <div class="small muted">{satellite.offlineReason.replace('_', ' ')}</div>}
                      </td>
                      <td>{satellite.connected ? (satellite.session ? `node ${satellite.session.node}` : 'yes') : <span class="muted">not connected</span>}</td>
                      <td>{satellite.session?.agent ?? <span class="muted">{satellite.connected ? 'not reported' : '—'}</span>}</td>
                      <td>
                        <Time at={satellite.lastSeenAt} />
                        <div class="small muted">heartbeat every {formatDuration(satellite.heartbeatThresholdMs)} at most</div>
                      </td>
                      <td>{assigned(satellite.id).map((check) => check.id).join(', ') || <span class="muted">none</span>}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </Loaded>
      <h2>Checks</h2>
      <Loaded resource={checks}>
        {(items) =>
          items.length === 0 ? (
            <p class="muted">No checks defined.</p>
          ) : (
            <div class="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Check</th>
                    <th scope="col">System</th>
                    <th scope="col">What</th>
                    <th scope="col">Every</th>
                    <th scope="col">Satellites</th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((check) => (
                    <tr key={check.id}>
                      <th scope="row">{check.id}</th>
                      <td>
                        <a href={href('systems', check.systemId)}>{check.systemId}</a>
                      </td>
                      <td>
                        <code>{strategyText(check.strategy)}</code>
                      </td>
                      <td>{formatDuration(check.intervalMs)}</td>
                      <td>{check.satelliteIds.join(', ') || <span class="muted">none</span>}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </Loaded>
    </>
  );
}
