import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CommandReply } from '../../actors/index.ts';
import type { VigilNode } from '../../node/index.ts';
import { SatelliteCredentialStore } from '../../persistence/index.ts';
import { useIsolation } from '../support/fixtures.ts';
import { authorization, TEST_ADMIN_TOKEN } from '../support/isolation.ts';
import { connectSatellite } from '../support/satellite-client.ts';
import { waitFor } from '../support/stream-reader.ts';
import { startTestNode } from '../support/test-node.ts';
import { parseExposition, type Sample } from './exposition.ts';
import { exprsIn, metricNamesIn } from './promql-names.ts';

/**
 * `GET /metrics` of a real node after real traffic: HTTP requests, a satellite's results (one
 * refused), a NATS command and an automation run. Scrape access: a viewer token, or an address
 * of VIGIL_METRICS_ALLOW (127.0.0.1/32 here; requests from 127.0.0.2, also loopback, are not in it).
 */
const isolation = useIsolation();
let node: VigilNode;
let viewer = '';
const ALLOWED = '127.0.0.1';
const NOT_ALLOWED = '127.0.0.2';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** A request from `from` (a loopback source address), with a bearer token when given. */
function http(method: string, path: string, options: { token?: string; from?: string; body?: unknown } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const req = request(
      { host: '127.0.0.1', port: node.http.port, method, path, localAddress: options.from ?? NOT_ALLOWED, headers: { ...(options.token ? authorization(options.token) : {}), ...(body ? { 'content-type': 'application/json' } : {}) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function scrape(): Promise<Sample[]> {
  const answer = await http('GET', '/metrics', { token: viewer });
  expect(answer.status).toBe(200);
  return parseExposition(answer.text);
}

/** The value of the one sample of `name` whose labels include `labels` (undefined: none). */
function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const found = samples.filter((sample) => sample.name === name && Object.entries(labels).every(([key, wanted]) => sample.labels[key] === wanted));
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return found[0]?.value;
}

beforeAll(async () => {
  node = await startTestNode({ databaseUrl: isolation.databaseUrl, namespace: isolation.namespace, env: { VIGIL_METRICS_ALLOW: `${ALLOWED}/32` } });
  isolation.defer(() => node.stop());
  const created = await http('POST', '/tokens', { token: TEST_ADMIN_TOKEN, body: { name: 'scraper', role: 'viewer' } });
  expect(created.status).toBe(201);
  viewer = (JSON.parse(created.text) as { token: string }).token;
});

describe('GET /metrics access', () => {
  it('needs a viewer token (401 without one or with a wrong one) from an address outside VIGIL_METRICS_ALLOW', async () => {
    const without = await http('GET', '/metrics');
    expect(without.status).toBe(401);
    expect(JSON.parse(without.text)).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
    expect((await http('GET', '/metrics', { token: 'vgl_not-a-token' })).status).toBe(401);
    const withViewer = await http('GET', '/metrics', { token: viewer });
    expect(withViewer.status).toBe(200);
    expect(withViewer.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(withViewer.text).toContain('# TYPE vigil_http_requests_total counter');
  });

  it('answers an allow-listed address without a token', async () => {
    const allowed = await http('GET', '/metrics', { from: ALLOWED });
    expect(allowed.status).toBe(200);
    expect(allowed.text).toContain('vigil_partitions_owned');
  });
});

describe('the families after real traffic', () => {
  const sent = ['r-1', 'r-2', 'r-3'];

  beforeAll(async () => {
    // HTTP: two systems created through the API, one unknown path.
    for (const id of ['web', 'db']) {
      const answer = await http('POST', `/entities/system/${id}/events`, { token: TEST_ADMIN_TOKEN, body: { type: 'create', name: id } });
      expect(answer.status).toBe(200);
    }
    expect((await http('GET', '/no/such/route', { token: viewer })).status).toBe(404);
    expect((await http('GET', '/healthz')).status).toBe(200);
    expect((await http('GET', '/readyz')).status).toBe(200);

    // NATS: one command on the public subject.
    const h = natsHeaders();
    h.set('Authorization', `Bearer ${TEST_ADMIN_TOKEN}`);
    const reply = (await node.bus.nc.request(node.bus.subjects.command('system', 'web'), JSON.stringify({ type: 'update', name: 'Web' }), { timeout: 10_000, headers: h })).json<CommandReply>();
    expect(reply.ok).toBe(true);

    // A change that breaks the contract: the run driver's group parks it at once.
    await node.bus.js.publish(node.bus.subjects.entity('automation_run', 'bogus'), 'not json');

    // An automation that runs once when `db` is renamed.
    await node.router.dispatch('automation', 'on-db-rename', {
      type: 'save',
      definition: { id: 'on-db-rename', name: 'on db rename', triggers: [{ id: 'updated', event: 'catalog.updated', filter: 'trigger.payload.systemId == "db"' }], actions: [{ action: 'automation.log', config: { message: 'renamed' } }] },
    });
    await node.router.dispatch('system', 'db', { type: 'update', name: 'Database' });
    await waitFor(async () => {
      const rows = await node.database.query<{ status: string }>(`select state->>'status' as status from entity_state where kind = 'automation_run' and state->>'automationId' = 'on-db-rename'`);
      return rows.length === 1 && rows[0]!.status === 'succeeded';
    }, 15_000, 'the automation run succeeded');

    // A satellite: three accepted results and one refused.
    const token = (await new SatelliteCredentialStore(node.database).issue('sat-1')).token;
    await node.router.dispatch('satellite', 'sat-1', { type: 'register', name: 'sat-1', region: 'eu' });
    await node.router.dispatch('check', 'chk-web', { type: 'create', systemId: 'web', strategy: { kind: 'tcp', host: '127.0.0.1', port: 9 }, satelliteIds: ['sat-1'] });
    const satellite = await connectSatellite(node.http.port, token);
    await satellite.frame((frame) => frame.type === 'authenticated', 'satellite authenticated');
    const now = Date.now();
    sent.forEach((resultId, index) => satellite.result({ resultId, checkId: 'chk-web', systemId: 'web', executedAt: now + index }));
    satellite.result({ resultId: 'stolen', checkId: 'chk-other', systemId: 'web' });
    for (const resultId of sent) await satellite.acked(resultId);
    expect(await satellite.refused('stolen')).toMatchObject({ code: 'CHECK_NOT_ASSIGNED' });
    isolation.defer(() => satellite.ws.close());
  });

  it('counts commits (batch size and latency histograms) and the automation run once', async () => {
    const samples = await scrape();
    expect(value(samples, 'vigil_commit_duration_seconds_count')).toBeGreaterThan(0);
    expect(value(samples, 'vigil_commit_batch_transitions_sum')).toBeGreaterThanOrEqual(value(samples, 'vigil_commit_batch_transitions_count')!);
    expect(value(samples, 'vigil_transitions_committed_total')).toBe(value(samples, 'vigil_commit_batch_transitions_sum'));
    expect(value(samples, 'vigil_commit_duration_seconds_bucket', { le: '+Inf' })).toBe(value(samples, 'vigil_commit_duration_seconds_count'));
    expect(value(samples, 'vigil_commit_failures_total')).toBe(0);
    expect(value(samples, 'vigil_automation_runs_started_total', { automation: 'on-db-rename' })).toBe(1);
    expect(value(samples, 'vigil_automation_runs_finished_total', { automation: 'on-db-rename', status: 'succeeded' })).toBe(1);
    expect(value(samples, 'vigil_automation_runs_failed_total', { automation: 'on-db-rename' })).toBe(0);
  });

  it('reports the outbox (backlog, oldest age, published rows) and the relay delay', async () => {
    await waitFor(async () => (await node.database.query<{ n: number }>('select count(*)::int as n from outbox'))[0]!.n === 0, 10_000, 'outbox drained');
    // The backlog is read at most once a second: a scrape after that shows the drained outbox.
    await waitFor(async () => value(await scrape(), 'vigil_outbox_backlog_rows') === 0, 10_000, 'backlog 0 in a scrape');
    const samples = await scrape();
    expect(value(samples, 'vigil_outbox_oldest_age_seconds')).toBe(0);
    expect(value(samples, 'vigil_outbox_published_rows_total')).toBeGreaterThan(0);
    expect(value(samples, 'vigil_outbox_publish_delay_seconds_count')).toBeGreaterThan(0);
  });

  it('reports consumer lag per work-queue group, redeliveries and parked messages', async () => {
    // JetStream is read at most every 5 s: wait for a scrape that sees the parked message.
    await waitFor(async () => {
      const samples = await scrape();
      return value(samples, 'vigil_parked_messages', { group: 'automation-runs' }) === 1 && value(samples, 'vigil_consumer_pending_messages', { group: 'automation-runs', stream: 'entity' }) === 0;
    }, 15_000, 'the parked message, and the run driver caught up, in a scrape');
    const samples = await scrape();
    expect(value(samples, 'vigil_consumer_parked_total', { group: 'automation-runs' })).toBe(1);
    expect(value(samples, 'vigil_consumer_redeliveries_total', { group: 'automation-runs' })).toBe(0);
    const groups = samples.filter((sample) => sample.name === 'vigil_consumer_pending_messages');
    expect(groups.length).toBeGreaterThan(0);
    // The automation engine's groups, named without the namespace prefix.
    for (const sample of groups) {
      expect(sample.labels.group).not.toContain(isolation.namespace);
      expect(['entity', 'trigger']).toContain(sample.labels.stream);
      expect(sample.value).toBeGreaterThanOrEqual(0);
    }
    expect(samples.some((sample) => sample.name === 'vigil_consumer_ack_pending_messages')).toBe(true);
    expect(value(samples, 'vigil_metrics_source_errors_total', { source: 'parked' })).toBe(0);
    expect(value(samples, 'vigil_metrics_source_errors_total', { source: 'consumers' })).toBe(0);
  });

  it('reports partitions owned, lease renewals and the clock offset', async () => {
    await waitFor(async () => (value(await scrape(), 'vigil_lease_renewals_total', { result: 'ok' }) ?? 0) > 0, 10_000, 'a lease renewal');
    const samples = await scrape();
    expect(value(samples, 'vigil_partitions_owned')).toBe(node.config.partitions);
    expect(value(samples, 'vigil_lease_renewals_total', { result: 'failed' })).toBe(0);
    // Same host, same clock as the database: well under the node's own limit.
    expect(Math.abs(value(samples, 'vigil_clock_offset_seconds')!)).toBeLessThan(node.config.clock.maxOffsetMs / 1000);
    expect(value(samples, 'vigil_clock_uncertainty_seconds')).toBeGreaterThanOrEqual(0);
  });

  it('reports satellites connected, results ingested and refused by reason', async () => {
    const samples = await scrape();
    expect(value(samples, 'vigil_satellites_connected')).toBe(1);
    expect(value(samples, 'vigil_satellite_results_ingested_total')).toBeGreaterThanOrEqual(sent.length);
    // Stored in the check history too, each once.
    expect(value(samples, 'vigil_history_results_stored_total')).toBeGreaterThanOrEqual(sent.length);
    expect(value(samples, 'vigil_history_batch_results_count')).toBeGreaterThan(0);
    expect(value(samples, 'vigil_history_commit_failures_total')).toBe(0);
    expect(value(samples, 'vigil_satellite_results_refused_total', { reason: 'CHECK_NOT_ASSIGNED' })).toBe(1);
    expect(value(samples, 'vigil_satellite_results_refused_total', { reason: 'BACKLOG_FULL' })).toBe(0);
  });

  it('counts HTTP requests by route pattern, method and status, and NATS commands by kind and outcome', async () => {
    const samples = await scrape();
    expect(value(samples, 'vigil_http_requests_total', { route: '/entities/{kind}/{id}/events', method: 'POST', status: '200' })).toBe(2);
    expect(value(samples, 'vigil_http_requests_total', { route: '/tokens', method: 'POST', status: '201' })).toBe(1);
    expect(value(samples, 'vigil_http_requests_total', { route: 'unmatched', method: 'ANY', status: '404' })).toBe(1);
    expect(value(samples, 'vigil_http_requests_total', { route: '/healthz', method: 'GET', status: '200' })).toBe(1);
    expect(value(samples, 'vigil_http_requests_total', { route: '/readyz', method: 'GET', status: '200' })).toBe(1);
    expect(value(samples, 'vigil_http_requests_total', { route: '/metrics', method: 'GET', status: '401' })).toBeGreaterThanOrEqual(2);
    expect(value(samples, 'vigil_http_requests_total', { route: '/metrics', method: 'GET', status: '200' })).toBeGreaterThanOrEqual(2);
    expect(value(samples, 'vigil_http_request_duration_seconds_count', { route: '/entities/{kind}/{id}/events', method: 'POST' })).toBe(2);
    // No raw path ever becomes a label.
    expect(samples.some((sample) => sample.labels.route?.includes('/web'))).toBe(false);
    expect(value(samples, 'vigil_nats_commands_total', { kind: 'system', via: 'cluster', outcome: 'ok' })).toBe(1);
  });

  it('exports the Node.js defaults, among them the event-loop lag, from its own registry', async () => {
    const samples = await scrape();
    expect(value(samples, 'nodejs_eventloop_lag_p99_seconds')).toBeGreaterThanOrEqual(0);
    expect(value(samples, 'vigil_node_info', { node_id: node.config.nodeId })).toBe(1);
  });
});

describe('deploy/grafana-dashboard.json, deploy/prometheus.yml and its rules', () => {
  const root = new URL('../../', import.meta.url);
  const read = (path: string) => readFileSync(new URL(path, root), 'utf8');

  it('reference only metrics the node exports (histograms as _bucket, _sum, _count)', async () => {
    const exported = new Set<string>();
    for (const metric of await node.metrics.registry.getMetricsAsJSON()) {
      exported.add(metric.name);
      if (String(metric.type) === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) exported.add(metric.name + suffix);
    }
    const dashboard = exprsIn(JSON.parse(read('deploy/grafana-dashboard.json')));
    const rules = exprsIn(parseYaml(read('deploy/prometheus-rules.yml')));
    expect(dashboard.length).toBeGreaterThan(20);
    expect(rules.length).toBeGreaterThan(5);
    const referenced = new Set([...dashboard, ...rules].flatMap(metricNamesIn));
    expect([...referenced].filter((name) => !exported.has(name))).toEqual([]);
    // Every family of the node shows on the dashboard.
    for (const family of ['vigil_commit_duration_seconds_bucket', 'vigil_outbox_backlog_rows', 'vigil_outbox_oldest_age_seconds', 'vigil_consumer_pending_messages', 'vigil_parked_messages', 'vigil_partitions_owned', 'vigil_satellites_connected', 'vigil_satellite_results_ingested_total', 'vigil_satellite_results_refused_total', 'vigil_automation_runs_started_total', 'vigil_automation_runs_failed_total', 'vigil_http_requests_total', 'nodejs_eventloop_lag_p99_seconds']) {
      expect(dashboard.flatMap(metricNamesIn), family).toContain(family);
    }
  });

  it('scrapes the three nodes of docker-compose.yml with a bearer token from a file', () => {
    const compose = parseYaml(read('docker-compose.yml'), { merge: true }) as { services: Record<string, { environment?: Record<string, string> }> };
    const nodes = Object.entries(compose.services).filter(([, service]) => service.environment?.VIGIL_NODE_ID !== undefined);
    expect(nodes).toHaveLength(3);
    const config = parseYaml(read('deploy/prometheus.yml')) as { rule_files: string[]; scrape_configs: Array<{ metrics_path: string; authorization: { type: string; credentials_file: string }; static_configs: Array<{ targets: string[] }> }> };
    const [job] = config.scrape_configs;
    expect(job).toMatchObject({ metrics_path: '/metrics', authorization: { type: 'Bearer', credentials_file: expect.any(String) } });
    expect(job!.static_configs.flatMap((group) => group.targets).sort()).toEqual(nodes.map(([name, service]) => `${name}:${service.environment!.VIGIL_HTTP_PORT}`).sort());
    expect(config.rule_files.some((file) => file.endsWith('prometheus-rules.yml'))).toBe(true);
  });
});

describe('metricNamesIn', () => {
  it('finds the metric names of an expression, not its functions, labels, ranges or variables', () => {
    expect(metricNamesIn('histogram_quantile(0.99, sum by (le, instance) (rate(a_seconds_bucket{job="vigil",route=~"/x|y"}[$__rate_interval]))) / on (instance) group_left b_total > 1e3 and c')).toEqual(['a_seconds_bucket', 'b_total', 'c']);
    expect(metricNamesIn('max without (group) (d_messages) unless ignoring (x) e offset 5m')).toEqual(['d_messages', 'e']);
  });
});
