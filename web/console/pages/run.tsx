import { useState } from 'preact/hooks';
import { formatDuration } from '../../shared/format.ts';
import { api, ApiError } from '../api.ts';
import { Badge, ErrorNote, Json, Loaded, Time } from '../components.tsx';
import { runDetail } from '../queries.ts';
import { href } from '../router.ts';
import type { Delivery } from '../types.ts';
import { useResource } from '../use-resource.ts';

/** Makes one more attempt of a dead delivery (role operator); a viewer sees the node's 403 message. */
function RetryDelivery({ delivery, onDone }: { delivery: Delivery; onDone: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const send = async () => {
    setBusy(true);
    setError(null);
    try {
      await api('POST', `/deliveries/${encodeURIComponent(delivery.id)}/retry`);
      onDone();
    } catch (caught) {
      setError(caught instanceof Error ? caught : new ApiError(0, 'UNKNOWN', String(caught)));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button type="button" onClick={send} disabled={busy} aria-label={`Retry delivery ${delivery.id}`}>
        Retry now
      </button>
      {error && <ErrorNote error={error} />}
    </>
  );
}

/** A run's notification deliveries: where each goes, its state and every attempt. */
function Deliveries({ deliveries, onRetried }: { deliveries: Delivery[]; onRetried: () => void }) {
  return (
    <ul class="plain-list" data-testid="deliveries">
      {deliveries.map((delivery) => (
        <li key={delivery.id}>
          <div>
            <strong>{delivery.action}</strong> → {delivery.target} <span class="muted small">{delivery.stepPath}</span> <Badge status={delivery.status} />{' '}
            <span class="muted small">
              {delivery.attemptCount} of {delivery.maxAttempts} attempts · <code>{delivery.id}</code>
              {delivery.nextAttemptAt !== null && (
                <>
                  {' '}
                  · next <Time at={delivery.nextAttemptAt} />
                </>
              )}
            </span>{' '}
            {delivery.status === 'dead' && <RetryDelivery delivery={delivery} onDone={onRetried} />}
          </div>
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">#</th>
                  <th scope="col">Status</th>
                  <th scope="col">Code</th>
                  <th scope="col">Took</th>
                  <th scope="col">At</th>
                  <th scope="col">By</th>
                  <th scope="col">Error</th>
                </tr>
              </thead>
              <tbody>
                {delivery.attempts.map((attempt) => (
                  <tr key={attempt.attempt}>
                    <th scope="row">{attempt.attempt}</th>
                    <td>
                      <Badge status={attempt.status} />
                    </td>
                    <td>{attempt.responseCode ?? '—'}</td>
                    <td>{attempt.durationMs === null ? '—' : formatDuration(attempt.durationMs)}</td>
                    <td>
                      <Time at={attempt.at} />
                    </td>
                    <td>{attempt.madeBy}</td>
                    <td class="small">{attempt.error ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </li>
      ))}
    </ul>
  );
}

/**
 * The definition of the step at `path` (`actions[0].choose[0].sequence[1]`): what the step was
 * asked to do. The trace stores outputs, not the rendered inputs, so this is the closest to an input.
 */
export function stepDefinition(definition: unknown, path: string): unknown {
  let node: unknown = definition;
  for (const [, key, index] of path.matchAll(/([A-Za-z_][\w-]*)|\[(\d+)\]/g)) {
    if (node === null || typeof node !== 'object') return undefined;
    node = key !== undefined ? (node as Record<string, unknown>)[key] : (node as unknown[])[Number(index)];
  }
  return node;
}

/** One run's trace, step by step: what fired it, the conditions, each step with its output, attempts and error. */
export function RunPage({ id }: { id: string }) {
  const run = useResource(() => runDetail(id), [id], ['automation_run']);
  return (
    <Loaded resource={run}>
      {(data) =>
        data === null ? (
          <p role="alert">No run with id “{id}”.</p>
        ) : (
          <>
            <h1>Run {data.id}</h1>
            <p>
              <Badge status={data.status} /> of automation{' '}
              <a href={`${href('runs')}?automation=${encodeURIComponent(data.automationId)}`}>{data.automationId}</a> (revision {data.revision}) · started{' '}
              <Time at={data.startedAt} />
              {data.endedAt !== null && (
                <>
                  , ended <Time at={data.endedAt} /> ({formatDuration(data.endedAt - data.startedAt)})
                </>
              )}
            </p>
            {data.reason && <p>Reason: {data.reason}</p>}
            {data.wait && (
              <p>
                Waiting ({data.wait.kind}) at step {data.wait.path} since <Time at={data.wait.since} />
                {data.wait.timeoutAt !== null && (
                  <>
                    , times out <Time at={data.wait.timeoutAt} />
                  </>
                )}
              </p>
            )}
            {data.wakeAt !== null && (
              <p>
                Wakes <Time at={data.wakeAt} />
              </p>
            )}

            <section aria-labelledby="trigger-heading">
              <h2 id="trigger-heading">Trigger</h2>
              {data.trigger ? (
                <>
                  <p>
                    <strong>{data.trigger.event}</strong> (trigger “{data.trigger.id}”, {data.trigger.contextKey} = {data.trigger.contextValue})
                  </p>
                  <details>
                    <summary>Payload</summary>
                    <Json value={data.trigger.payload} />
                  </details>
                </>
              ) : (
                <p class="muted">Started without a trigger.</p>
              )}
            </section>

            <section aria-labelledby="conditions-heading">
              <h2 id="conditions-heading">Conditions</h2>
              {data.conditions.length === 0 ? (
                <p class="muted">None.</p>
              ) : (
                <ul class="plain-list">
                  {data.conditions.map((condition) => (
                    <li key={condition.path}>
                      <Badge status={condition.error ? 'failed' : condition.result ? 'succeeded' : 'skipped'} label={condition.error ? 'error' : String(condition.result)} />{' '}
                      <code>{condition.condition}</code> <span class="muted small">{condition.path}</span>
                      {condition.error && <div class="error-note">{condition.error}</div>}
                    </li>
                  ))}
                </ul>
              )}
            </section>

            <section aria-labelledby="steps-heading">
              <h2 id="steps-heading">Steps</h2>
              {data.steps.length === 0 ? (
                <p class="muted">No step ran.</p>
              ) : (
                <ol class="timeline" data-testid="steps">
                  {data.steps.map((step, index) => (
                    <li key={`${step.path}-${index}`}>
                      <div>
                        <strong>{step.alias ?? step.kind}</strong> <span class="muted small">{step.path}</span> <Badge status={step.status} />{' '}
                        <span class="muted small">
                          {step.attempts} attempt{step.attempts === 1 ? '' : 's'} · {formatDuration(step.endedAt - step.startedAt)} · <Time at={step.startedAt} />
                        </span>
                      </div>
                      {step.error && <p class="error-note">{step.error}</p>}
                      <details>
                        <summary>Input (the step as defined)</summary>
                        <Json value={stepDefinition(data.definition, step.path)} />
                      </details>
                      <details>
                        <summary>Output</summary>
                        <Json value={step.output} />
                      </details>
                    </li>
                  ))}
                </ol>
              )}
            </section>

            {(data.deliveries ?? []).length > 0 && (
              <section aria-labelledby="deliveries-heading">
                <h2 id="deliveries-heading">Notifications</h2>
                <Deliveries deliveries={data.deliveries} onRetried={run.reload} />
              </section>
            )}

            <details>
              <summary>Variables</summary>
              <Json value={data.variables} />
            </details>
          </>
        )
      }
    </Loaded>
  );
}
