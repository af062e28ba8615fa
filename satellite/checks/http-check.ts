import { once } from 'node:events';
import { request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import { DEFAULT_MAX_REDIRECTS } from '../../protocol/http-strategy.ts';
import type { HttpStrategy } from '../../protocol/check-strategy.ts';
import { formatStatusSet, statusInSet } from '../../protocol/status-set.ts';
import { AGENT_VERSION } from '../version.ts';
import { judgeCertificate } from './certificate.ts';
import { CheckFailure } from './check-failure.ts';
import { CheckRun, type CheckOutcome } from './check-run.ts';
import { openTcp, startTls } from './connection.ts';
import { hasEnvReference, resolveEnvReferences } from './env-references.ts';
import { assertBody, needsBody, readBody } from './http-body.ts';

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
// Never carried to another origin by a followed redirect (as browsers do with Authorization).
const CREDENTIAL_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie']);
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/**
 * One HTTP(S) request, judged: the status must be in `expectedStatus` (default 200–299), then the
 * body assertions (first MiB), then `maxResponseTimeMs` against the whole run. The connection is
 * the agent's own (lookup, TCP connect, TLS handshake: each timed), used for one request and
 * closed; over https the certificate is judged before anything is sent, so a request carrying
 * credentials never reaches a server whose certificate failed. Timings add up over redirects.
 */
export async function runHttpCheck(strategy: HttpStrategy): Promise<CheckOutcome> {
  const run = new CheckRun(strategy.timeoutMs);
  try {
    const headers = resolveHeaders(strategy);
    let body = strategy.body === undefined ? undefined : resolveEnvReferences(strategy.body);
    let method: string = strategy.method;
    let url = new URL(strategy.url);
    let response: IncomingMessage;
    for (let redirects = 0; ; redirects++) {
      response = await exchange(run, strategy, url, method, headers.forOrigin(url.origin), body);
      const location = response.headers.location;
      if (!strategy.followRedirects || !REDIRECTS.has(response.statusCode!) || !location) break;
      response.destroy();
      if (redirects >= (strategy.maxRedirects ?? DEFAULT_MAX_REDIRECTS)) {
        throw new CheckFailure('status', `more than ${strategy.maxRedirects ?? DEFAULT_MAX_REDIRECTS} redirects (the last to ${location.slice(0, 200)})`, 'TOO_MANY_REDIRECTS');
      }
      const next = new URL(location, url);
      if (next.protocol !== 'http:' && next.protocol !== 'https:') throw new CheckFailure('status', `redirected to ${next.protocol} URL, not http(s)`, 'BAD_REDIRECT');
      // As browsers do: 303 becomes GET, and 301/302 after a POST too; the body is not sent again.
      if (response.statusCode === 303 ? method !== 'HEAD' : (response.statusCode === 301 || response.statusCode === 302) && method === 'POST') {
        method = 'GET';
        body = undefined;
      }
      url = next;
      run.measure('redirects', redirects + 1);
      run.measure('finalUrl', url.href);
    }
    const status = response.statusCode!;
    if (!statusInSet(status, strategy.expectedStatus)) {
      response.destroy();
      const hint = REDIRECTS.has(status) && !strategy.followRedirects ? ' (redirects are not followed: set followRedirects)' : '';
      throw new CheckFailure('status', `HTTP ${status}, expected ${formatStatusSet(strategy.expectedStatus)}${hint}`);
    }
    if (needsBody(strategy)) {
      run.phase = 'body';
      const read = await readBody(response);
      run.measure('bodyBytes', read.bytes);
      assertBody(strategy, read);
    } else {
      response.destroy();
    }
    const took = run.elapsed();
    if (strategy.maxResponseTimeMs !== undefined && took > strategy.maxResponseTimeMs) {
      throw new CheckFailure('assertion', `took ${Math.round(took)} ms, more than the ${strategy.maxResponseTimeMs} ms allowed`, 'TOO_SLOW');
    }
    return run.up();
  } catch (error) {
    return run.down(error);
  }
}

/** One request on a connection of its own; resolves with the response once its head arrived (`firstByteMs`). */
async function exchange(run: CheckRun, strategy: HttpStrategy, url: URL, method: string, headers: OutgoingHttpHeaders, body: string | undefined): Promise<IncomingMessage> {
  const https = url.protocol === 'https:';
  const port = Number(url.port || (https ? 443 : 80));
  let socket: Socket = await openTcp(run, url.hostname, port);
  if (https) {
    const secure = await startTls(run, socket, { host: url.hostname });
    judgeCertificate(run, secure, `${url.hostname}:${port}`, { minDaysLeft: strategy.certificateMinDaysLeft, acceptInvalid: strategy.acceptInvalidCertificates ?? false });
    socket = secure;
  }
  run.phase = 'request';
  const started = performance.now();
  const request = run.hold(
    httpRequest({
      method,
      path: `${url.pathname}${url.search}`,
      headers: { host: url.host, 'user-agent': `vigil-satellite/${AGENT_VERSION}`, ...headers },
      // Our own connection, already verified: nothing is written before this point.
      createConnection: () => socket,
    }),
  );
  request.end(body);
  const [response] = (await once(request, 'response')) as [IncomingMessage];
  run.hold(response);
  run.addTiming('firstByteMs', performance.now() - started);
  run.measure('statusCode', response.statusCode!);
  return response;
}

/** The strategy's headers with `${env:NAME}` resolved; credentials and resolved secrets stay with the check's own origin. */
function resolveHeaders(strategy: HttpStrategy) {
  const origin = new URL(strategy.url).origin;
  const entries = Object.entries(strategy.headers ?? {}).map(([name, value]) => {
    const resolved = resolveEnvReferences(value);
    // The definition's value was checked; what the environment put in it was not.
    if (!HEADER_VALUE.test(resolved)) throw new CheckFailure('internal', `header ${name}: an environment variable it names holds characters a header cannot carry (line breaks?)`, 'ENV_INVALID');
    return { name, value: resolved, sameOriginOnly: CREDENTIAL_HEADERS.has(name.toLowerCase()) || hasEnvReference(value) };
  });
  return {
    forOrigin: (target: string): OutgoingHttpHeaders =>
      Object.fromEntries(entries.filter((entry) => target === origin || !entry.sameOriginOnly).map((entry) => [entry.name, entry.value])),
  };
}
