import { Loaded, Time } from '../components.tsx';
import { listAutomations, listQueuedRuns, listRuns } from '../queries.ts';
import { href, type Route } from '../router.ts';
import { runStatuses } from '../types.ts';
import { useResource } from '../use-resource.ts';
import { RunTable } from './automations.tsx';

/** Runs, newest first, filtered by automation and status through the hash query (`#/runs?automation=x&status=failed`). */
export function RunsPage({ route }: { route: Route }) {
  const automation = route.params.get('automation') ?? '';
  const status = route.params.get('status') ?? '';
  const runs = useResource(() => listRuns({ automation: automation || undefined, statuses: status ? status.split(',') : undefined }), [automation, status], ['automation_run']);
  const automations = useResource(listAutomations, [], ['automation']);
  // A queue changes with its scope entity (a fire queued, a run finished).
  const queued = useResource(() => listQueuedRuns(automation || undefined), [automation], ['automation_scope', 'automation_run']);
  const apply = (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const params = new URLSearchParams();
    for (const name of ['automation', 'status']) {
      const value = String(form.get(name) ?? '');
      if (value) params.set(name, value);
    }
    location.hash = `${href('runs')}${params.size ? `?${params}` : ''}`;
  };
  return (
    <>
      <h1>Runs</h1>
      <form class="filters" onSubmit={apply}>
        <label>
          Automation
          <select name="automation" value={automation}>
            <option value="">any</option>
            {(automations.data ?? []).map((item) => (
              <option key={item.id} value={item.id}>
                {item.name}
              </option>
            ))}
            {automation && !(automations.data ?? []).some((item) => item.id === automation) && <option value={automation}>{automation}</option>}
          </select>
        </label>
        <label>
          Status
          <select name="status" value={status}>
            <option value="">any</option>
            <option value="running,waiting">running or waiting</option>
            {runStatuses.map((value) => (
              <option key={value} value={value}>
                {value}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">Filter</button>
      </form>
      <Loaded resource={runs}>{(items) => (items.length === 0 ? <p class="muted">No runs match.</p> : <RunTable runs={items} />)}</Loaded>
      <h2>Queued now</h2>
      <Loaded resource={queued}>
        {(items) =>
          items.length === 0 ? (
            <p class="muted">No run is queued (only automations in queued mode queue runs).</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">Place</th>
                  <th scope="col">Run (when it starts)</th>
                  <th scope="col">Automation</th>
                  <th scope="col">Trigger</th>
                  <th scope="col">Fired</th>
                </tr>
              </thead>
              <tbody>
                {items.map((item) => (
                  <tr key={item.runId}>
                    <td>{item.position}</td>
                    <td>{item.runId}</td>
                    <td>
                      <a href={`${href('runs')}?automation=${encodeURIComponent(item.automationId)}`}>{item.automationId}</a>
                    </td>
                    <td>{item.trigger.event}</td>
                    <td>
                      <Time at={item.trigger.at} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Loaded>
    </>
  );
}
