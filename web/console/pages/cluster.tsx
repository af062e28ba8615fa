import { useEffect } from 'preact/hooks';
import { Badge, Loaded } from '../components.tsx';
import { clusterStatus } from '../queries.ts';
import { useResource } from '../use-resource.ts';

/** Nodes and their partitions, the outbox backlog, consumer lag and parked messages (`GET /cluster/status`). */
export function ClusterPage() {
  // Not an entity: nothing in the live feed announces its changes, so it reloads every 5 s (and
  // with the Refresh button); it reads NATS consumer info, too costly to redo on every change.
  const status = useResource(clusterStatus, [], []);
  useEffect(() => {
    const timer = setInterval(status.reload, 5_000);
    return () => clearInterval(timer);
  }, []);
  return (
    <>
      <h1>Cluster</h1>
      <p>
        <button type="button" onClick={status.reload}>
          Refresh
        </button>
      </p>
      <Loaded resource={status}>
        {(data) => (
          <>
            <p>
              Namespace <code>{data.namespace}</code> · {data.nodes.length} node{data.nodes.length === 1 ? '' : 's'} · {data.partitionCount} partitions ·{' '}
              {data.unownedPartitions.length === 0 ? (
                'every partition owned'
              ) : (
                <span class="bad-text">{data.unownedPartitions.length} partitions without owner</span>
              )}
            </p>
            <ul class="stats">
              <li>
                <span class="stat">{data.outboxBacklog}</span> outbox backlog
              </li>
              <li>
                <span class="stat">{data.timers}</span> timers
              </li>
              <li>
                <span class="stat">{data.consumers.reduce((sum, consumer) => sum + consumer.pending, 0)}</span> consumer messages pending
              </li>
              <li>
                <span class="stat">{data.parked.reduce((sum, parked) => sum + parked.messages, 0)}</span> parked messages
              </li>
            </ul>
            <h2>Nodes</h2>
            <div class="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Node</th>
                    <th scope="col">Started</th>
                    <th scope="col">Partitions</th>
                    <th scope="col">Clock</th>
                  </tr>
                </thead>
                <tbody>
                  {data.nodes.map((node) => (
                    <tr key={node.nodeId}>
                      <th scope="row">
                        {node.nodeId} <span class="muted small">port {node.httpPort}</span>
                      </th>
                      <td>{node.startedAt}</td>
                      <td>{node.standby ? <span class="bad-text">standby: {node.standby}</span> : `${node.partitions.length}: ${node.partitions.join(', ')}`}</td>
                      <td>{node.clock ? <Badge status={node.clock.status === 'ok' ? 'healthy' : 'degraded'} label={`${node.clock.offsetMs} ms ± ${node.clock.uncertaintyMs}`} /> : '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <h2>Consumers</h2>
            <div class="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Consumer</th>
                    <th scope="col">Stream</th>
                    <th scope="col">Filter</th>
                    <th scope="col">Pending (lag)</th>
                    <th scope="col">Unacked</th>
                    <th scope="col">Redelivered</th>
                  </tr>
                </thead>
                <tbody>
                  {data.consumers.map((consumer) => (
                    <tr key={`${consumer.stream}/${consumer.name}`}>
                      <th scope="row">{consumer.name}</th>
                      <td>{consumer.stream}</td>
                      <td>
                        <code>{consumer.filter}</code>
                      </td>
                      <td>{consumer.pending}</td>
                      <td>{consumer.ackPending}</td>
                      <td>{consumer.redelivered}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <h2>Parked messages</h2>
            {data.parked.length === 0 ? (
              <p class="muted">None.</p>
            ) : (
              <ul class="plain-list">
                {data.parked.map((parked) => (
                  <li key={parked.subject}>
                    <code>{parked.subject}</code>: {parked.messages}
                  </li>
                ))}
              </ul>
            )}
          </>
        )}
      </Loaded>
    </>
  );
}
