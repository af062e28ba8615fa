import { useState } from 'preact/hooks';
import { api, ApiError } from '../api.ts';
import { Badge, ErrorNote, Loaded, Time } from '../components.tsx';
import { listAutomations, listRuns } from '../queries.ts';
import { href } from '../router.ts';
import type { RunItem } from '../types.ts';
import { useResource } from '../use-resource.ts';

/** Enables or disables one automation (role operator); a viewer sees the node's 403 message. */
function Toggle({ id, name, enabled, onDone }: { id: string; name: string; enabled: boolean; onDone: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const send = async () => {
    setBusy(true);
    setError(null);
    try {
      await api('POST', `/entities/automation/${encodeURIComponent(id)}/events`, { type: enabled ? 'disable' : 'enable' });
      onDone();
    } catch (caught) {
      setError(caught instanceof Error ? caught : new ApiError(0, 'UNKNOWN', String(caught)));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button type="button" onClick={send} disabled={busy} aria-label={`${enabled ? 'Disable' : 'Enable'} ${name}`}>
        {enabled ? 'Disable' : 'Enable'}
      </button>
      {error && <ErrorNote error={error} />}
    </>
  );
}

/** Automations with their state, and the runs that are running or waiting now. */
export function AutomationsPage() {
  const automations = useResource(listAutomations, [], ['automation']);
  const active = useResource(() => listRuns({ statuses: ['running', 'waiting'] }), [], ['automation_run']);
  return (
    <>
      <h1>Automations</h1>
      <Loaded resource={automations}>
        {(items) =>
          items.length === 0 ? (
            <p class="muted">No automations saved.</p>
          ) : (
            <div class="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Automation</th>
                    <th scope="col">State</th>
                    <th scope="col">Triggers</th>
                    <th scope="col">Revision</th>
                    <th scope="col">Runs</th>
                    <th scope="col">Action</th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((automation) => (
                    <tr key={automation.id} data-automation={automation.id}>
                      <th scope="row">
                        {automation.name}
                        {automation.name !== automation.id && <div class="muted small">{automation.id}</div>}
                        {automation.description && <div class="small">{automation.description}</div>}
                      </th>
                      <td>
                        <Badge status={automation.enabled ? 'enabled' : 'disabled'} />
                      </td>
                      <td>{automation.triggers.join(', ')}</td>
                      <td>
                        {automation.revision} <span class="muted small">saved <Time at={automation.savedAt} /></span>
                      </td>
                      <td>
                        <a href={`${href('runs')}?automation=${encodeURIComponent(automation.id)}`}>Runs</a>
                      </td>
                      <td>
                        <Toggle id={automation.id} name={automation.name} enabled={automation.enabled} onDone={automations.reload} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </Loaded>
      <h2>Running or waiting now</h2>
      <Loaded resource={active}>{(items) => (items.length === 0 ? <p class="muted">No run is running or waiting.</p> : <RunTable runs={items} />)}</Loaded>
      <p>
        <a href={href('runs')}>All runs</a>
      </p>
    </>
  );
}


export function RunTable({ runs }: { runs: RunItem[] }) {
  return (
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">Run</th>
            <th scope="col">Automation</th>
            <th scope="col">Status</th>
            <th scope="col">Trigger</th>
            <th scope="col">Started</th>
            <th scope="col">Steps</th>
          </tr>
        </thead>
        <tbody>
          {runs.map((run) => (
            <tr key={run.id}>
              <th scope="row">
                <a href={href('runs', run.id)}>{run.id}</a>
              </th>
              <td>{run.automationId}</td>
              <td>
                <Badge status={run.status} />
                {run.reason && <div class="small muted">{run.reason}</div>}
              </td>
              <td>{run.trigger?.event ?? '—'}</td>
              <td>
                <Time at={run.startedAt} />
              </td>
              <td>{run.stepCount}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
