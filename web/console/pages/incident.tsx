import { Badge, Loaded, Time } from '../components.tsx';
import { incidentDetail } from '../queries.ts';
import { href } from '../router.ts';
import { useResource } from '../use-resource.ts';

/** Who caused a change: a person's token, an automation (with its run), a satellite or a node. */
function Actor({ actor, runId }: { actor: string | null; runId: string | null }) {
  return (
    <>
      <span>{actor ?? 'unknown'}</span>
      {runId && (
        <>
          {' '}
          (<a href={href('runs', runId)}>run {runId}</a>)
        </>
      )}
    </>
  );
}

/** One incident: its updates, and every change to it with the person or run behind it. */
export function IncidentPage({ id }: { id: string }) {
  const detail = useResource(() => incidentDetail(id), [id], ['incident']);
  return (
    <Loaded resource={detail}>
      {(data) =>
        data === null ? (
          <p role="alert">No incident with id “{id}”.</p>
        ) : (
          <>
            <h1>{data.incident.title}</h1>
            <p>
              <Badge status={data.incident.status} /> <Badge status={data.incident.severity} />{' '}
              <span class="muted">
                opened <Time at={data.incident.createdAt} />
                {data.incident.resolvedAt && (
                  <>
                    , resolved <Time at={data.incident.resolvedAt} />
                  </>
                )}
              </span>
            </p>
            {data.incident.description && <p>{data.incident.description}</p>}
            <p>
              Systems:{' '}
              {data.incident.systemIds.map((systemId, index) => (
                <>
                  {index > 0 && ', '}
                  <a href={href('systems', systemId)}>{systemId}</a>
                </>
              ))}
            </p>

            <section aria-labelledby="timeline-heading">
              <h2 id="timeline-heading">Timeline</h2>
              <ol class="timeline" data-testid="timeline">
                {data.timeline.map((entry) => (
                  <li key={entry.version}>
                    <div>
                      <strong>{entry.event}</strong>
                      {entry.statusChange && (
                        <>
                          {' '}
                          <Badge status={entry.statusChange.from ?? 'none'} label={entry.statusChange.from ?? '—'} /> → <Badge status={entry.statusChange.to ?? 'none'} label={entry.statusChange.to ?? '—'} />
                        </>
                      )}{' '}
                      <span class="muted">
                        <Time at={entry.at} />
                      </span>
                    </div>
                    {entry.message && <p class="message">{entry.message}</p>}
                    <div class="muted">
                      by <Actor actor={entry.actor} runId={entry.runId} />
                    </div>
                  </li>
                ))}
              </ol>
            </section>
          </>
        )
      }
    </Loaded>
  );
}
