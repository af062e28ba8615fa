import { Badge, IncidentList, Loaded, Time } from '../components.tsx';
import { listIncidents, listMaintenance, listSatellites, listSystems } from '../queries.ts';
import { href } from '../router.ts';
import { useResource } from '../use-resource.ts';

/** Systems by health (worst first), open incidents, satellites by region, maintenance now and next. */
export function Overview() {
  const systems = useResource(listSystems, [], ['system', 'health']);
  const incidents = useResource(() => listIncidents({ open: true }), [], ['incident']);
  const satellites = useResource(listSatellites, [], ['satellite']);
  const maintenance = useResource(() => listMaintenance({ current: true }), [], ['maintenance']);
  return (
    <>
      <h1>Overview</h1>
      <div class="grid">
        <section aria-labelledby="systems-heading" class="card wide">
          <h2 id="systems-heading">Systems</h2>
          <Loaded resource={systems}>
            {(items) =>
              items.length === 0 ? (
                <p class="muted">No systems yet.</p>
              ) : (
                <ul class="plain-list" data-testid="systems">
                  {items.map((system) => (
                    <li key={system.id} data-system={system.id}>
                      <a href={href('systems', system.id)}>{system.name}</a>{' '}
                      <Badge status={system.health?.status ?? 'unknown'} />{' '}
                      <span class="muted">
                        {system.health ? `${system.health.healthyChecks}/${system.health.totalChecks} checks healthy` : 'no results yet'}
                      </span>
                    </li>
                  ))}
                </ul>
              )
            }
          </Loaded>
        </section>
        <section aria-labelledby="incidents-heading" class="card">
          <h2 id="incidents-heading">Open incidents</h2>
          <Loaded resource={incidents}>
            {(items) => <IncidentList items={items} empty="No open incidents." />}
          </Loaded>
        </section>
        <section aria-labelledby="satellites-heading" class="card">
          <h2 id="satellites-heading">Satellites</h2>
          <Loaded resource={satellites}>
            {(items) => {
              const regions = new Map<string, { online: number; offline: number; other: number }>();
              for (const satellite of items) {
                const counts = regions.get(satellite.region) ?? { online: 0, offline: 0, other: 0 };
                if (satellite.status === 'online') counts.online++;
                else if (satellite.status === 'offline') counts.offline++;
                else counts.other++;
                regions.set(satellite.region, counts);
              }
              if (regions.size === 0) return <p class="muted">No satellites registered.</p>;
              return (
                <table>
                  <caption class="visually-hidden">Satellites by region</caption>
                  <thead>
                    <tr>
                      <th scope="col">Region</th>
                      <th scope="col">Online</th>
                      <th scope="col">Offline</th>
                      <th scope="col">Never connected</th>
                    </tr>
                  </thead>
                  <tbody>
                    {[...regions].map(([region, counts]) => (
                      <tr key={region}>
                        <th scope="row">{region}</th>
                        <td>{counts.online}</td>
                        <td class={counts.offline > 0 ? 'bad-text' : ''}>{counts.offline}</td>
                        <td>{counts.other}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              );
            }}
          </Loaded>
          <p>
            <a href={href('satellites')}>Satellites and checks</a>
          </p>
        </section>
        <section aria-labelledby="maintenance-heading" class="card">
          <h2 id="maintenance-heading">Maintenance</h2>
          <Loaded resource={maintenance}>
            {(items) =>
              items.length === 0 ? (
                <p class="muted">None active or scheduled.</p>
              ) : (
                <ul class="plain-list">
                  {items.map((item) => (
                    <li key={item.id}>
                      <strong>{item.title}</strong> <Badge status={item.status} />{' '}
                      <span class="muted">
                        {item.currentWindow ? (
                          <>
                            until <Time at={item.currentWindow.endsAt} />
                          </>
                        ) : item.nextWindow ? (
                          <>
                            starts <Time at={item.nextWindow.startsAt} />
                          </>
                        ) : null}{' '}
                        · {item.systemIds.join(', ')}
                      </span>
                    </li>
                  ))}
                </ul>
              )
            }
          </Loaded>
        </section>
      </div>
    </>
  );
}
