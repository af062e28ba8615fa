import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';

/** What a node answered: the status and the body's text. */
export interface HttpAnswer {
  status: number;
  statusText: string;
  text: string;
}

/**
 * One HTTP(S) request with node:http, not `fetch`: a short-lived command pays for `fetch` twice —
 * loading undici before the first request, and a slower exit after the answer (its keep-alive
 * connection): a one-request process took 401 ms with `fetch`, 166 ms with node:http
 * (bench/README.md, "CLI start-up"). node:http's idle keep-alive sockets do not hold the process.
 * Rejects with the socket's error (ECONNREFUSED, a DNS failure, the timeout's AbortError).
 */
export async function sendHttpRequest(url: URL, options: { method: string; headers: Record<string, string>; body?: string; timeoutMs: number }): Promise<HttpAnswer> {
  // TLS is loaded only for an https URL.
  const request = url.protocol === 'https:' ? (await import('node:https')).request : httpRequest;
  const requestOptions: RequestOptions = {
    method: options.method,
    headers: { ...options.headers, ...(options.body === undefined ? {} : { 'content-length': String(Buffer.byteLength(options.body)) }) },
    signal: AbortSignal.timeout(options.timeoutMs),
  };
  return new Promise<HttpAnswer>((resolve, reject) => {
    const outgoing = request(url, requestOptions, (response: IncomingMessage) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => resolve({ status: response.statusCode ?? 0, statusText: response.statusMessage ?? '', text: Buffer.concat(chunks).toString('utf8') }));
    });
    outgoing.on('error', reject);
    outgoing.end(options.body);
  });
}
